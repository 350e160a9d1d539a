//! report.html and the charts: the sample's HTML against its golden file, hostile IDs escaped
//! in HTML and SVG, charts of a hand-made report (right bars, PNG decodes, SVG well-formed, text
//! drawn with the embedded font and no system fonts), and the page in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vpce_advisor::pipeline::{analyze, AnalyzeConfig};
use vpce_advisor::recommend::Policy;
use vpce_advisor::report::charts::{self, ChartFormat, ChartKind};
use vpce_advisor::report::Report;
use vpce_advisor::scenario::ScenarioConfig;

use crate::common::{run, text, walk};
use crate::end_to_end::golden;

const HEADER: &str = "vpc_id,region,az_id,direction,remote_addr,destination,aws_service,service_region,bytes,records,window_start,window_end";
/// A 730-hour window: observed bytes are exactly a month's.
const WINDOW: &str = "1793491200,1796119200";
const GB: u64 = 1 << 30;

/// One VPC in us-east-1, one AZ: 100 GB S3, 1000 GB AWS APIs, 50 GB internet in a month.
fn hand_made_csv(vpc_id: &str) -> String {
    let id = format!("\"{}\"", vpc_id.replace('"', "\"\""));
    format!(
        "{HEADER}\n\
         {id},us-east-1,use1-az1,egress,,s3,,,{},1,{WINDOW}\n\
         {id},us-east-1,use1-az1,egress,,aws-service,,,{},1,{WINDOW}\n\
         {id},us-east-1,use1-az1,egress,,internet,,,{},1,{WINDOW}\n",
        100 * GB,
        1000 * GB,
        50 * GB
    )
}

fn hand_made_report(dir: &Path, vpc_id: &str) -> Report {
    let csv = dir.join("hand.csv");
    std::fs::write(&csv, hand_made_csv(vpc_id)).unwrap();
    analyze(&AnalyzeConfig {
        inputs: Vec::new(),
        traffic: vec![csv],
        region: "us-east-1".into(),
        ip_ranges: None,
        prices: None,
        scenario: ScenarioConfig::default(),
        policy: Policy::secure(),
        strict: true,
        progress: false,
        log_format: None,
        inventory: Vec::new(),
        dns_logs: Vec::new(),
        dns_window: 3600,
        bill: Vec::new(),
        calibrate: false,
        sources: Default::default(),
    })
    .expect("hand-made report")
}

/// Checks that every tag opened is closed in order (a minimal XML well-formedness check: the
/// renderers write no comments, CDATA or raw `<` in text).
fn assert_well_formed(xml: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("unclosed <") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect();
        if tag.starts_with('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.as_str()),
                "mismatched </{name}>"
            );
        } else if !tag.ends_with('/') {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed tags: {stack:?}");
}

/// Decodes a PNG into (width, height, RGB bytes).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Pixels of `rgb` (width `w`) in rows `rows` that satisfy `f`.
fn count(rgb: &[u8], w: u32, rows: std::ops::Range<u32>, f: impl Fn(&[u8]) -> bool) -> usize {
    rgb.chunks(3)
        .enumerate()
        .filter(|(i, px)| rows.contains(&((*i as u32) / w)) && f(px))
        .count()
}

fn dark(px: &[u8]) -> bool {
    px.iter().all(|&c| c < 100)
}

#[test]
fn charts_of_a_hand_made_report_show_the_right_bars() {
    let dir = tempfile::tempdir().unwrap();
    let r = hand_made_report(dir.path(), "vpc-hand");

    // The data drawn: per setup, the cost components of its lines.
    let costs = charts::costs_data(&r);
    assert_eq!(costs.panels.len(), 1);
    assert_eq!(costs.panels[0].caption, "vpc-hand (us-east-1)");
    let labels: Vec<&str> = costs.panels[0]
        .bars
        .iter()
        .map(|b| b.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "nat-only",
            "gateway-endpoints",
            "gateway+interface (recommended)",
            "security-policy",
            "fully-private",
            "regional-nat"
        ]
    );
    let series: Vec<&str> = costs.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        series,
        [
            "NAT gateway hours",
            "NAT gateway data processed",
            "interface endpoint hours",
            "interface endpoint data processed"
        ]
    );
    let segs = |i: usize| -> Vec<(usize, f64)> {
        costs.panels[0].bars[i]
            .segments
            .iter()
            .map(|&(k, v)| (k, (v * 100.0).round() / 100.0))
            .collect()
    };
    // nat-only: 730 h x $0.045 and 1150 GB x $0.045.
    assert_eq!(segs(0), [(0, 32.85), (1, 51.75)]);
    // gateway-endpoints: S3 leaves NAT.
    assert_eq!(segs(1), [(0, 32.85), (1, 47.25)]);
    // gateway+interface: 1000 GB passes the 208.57 GB break-even of 1 AZ.
    assert_eq!(segs(2), [(0, 32.85), (1, 2.25), (2, 7.3), (3, 10.0)]);
    // regional-nat: the same endpoints; one regional NAT gateway active in the 1 AZ at the
    // shipped us-east-1 regional prices ($0.045/h, $0.045/GB): 730 h x $0.045 and 50 GB x $0.045.
    assert_eq!(segs(5), [(0, 32.85), (1, 2.25), (2, 7.3), (3, 10.0)]);
    let marked: Vec<bool> = costs.panels[0].bars.iter().map(|b| b.marked).collect();
    assert_eq!(marked, [false, false, true, false, false, false]);
    assert_eq!(costs.panels[0].bars[0].value_text, "$84.60");
    assert_eq!(costs.panels[0].bars[2].value_text, "$52.40");

    let traffic = charts::traffic_data(&r);
    let names: Vec<&str> = traffic.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "S3 (same region)",
            "AWS other-aws (same region)",
            "internet"
        ]
    );
    assert_eq!(
        traffic.panels[0].bars[0].segments,
        [(0, 100.0), (1, 1000.0), (2, 50.0)]
    );

    let be = charts::break_even_data(&r);
    assert_eq!(be.panels.len(), 1);
    assert!(be.panels[0].caption.starts_with("us-east-1: NAT $0.045/GB"));
    assert_eq!(be.panels[0].points.len(), 1);
    let (label, gb, usd, passes) = &be.panels[0].points[0];
    assert_eq!(label, "vpc-hand other-aws (1 AZ)");
    assert_eq!(
        (*gb, (*usd * 100.0).round() / 100.0, *passes),
        (1000.0, 45.0, true)
    );

    // SVG: well-formed, with the labels and one rectangle per bar segment.
    let svg = charts::svg(&r, ChartKind::Costs).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_well_formed(&svg);
    for want in [
        "Monthly cost per VPC and setup",
        "vpc-hand (us-east-1)",
        "gateway+interface (recommended)",
        "fully-private",
        "NAT gateway hours",
        "$84.60",
        "$52.40",
    ] {
        assert!(svg.contains(want), "costs.svg lacks {want}");
    }
    let segments: usize = costs.panels[0].bars.iter().map(|b| b.segments.len()).sum();
    // Background, legend swatches, bar segments, the recommended outline.
    assert!(svg.matches("<rect").count() > segments + costs.series.len());
    for kind in ChartKind::ALL {
        let svg = charts::svg(&r, kind).unwrap();
        assert_well_formed(&svg);
        assert!(svg.contains(kind.title()), "{kind:?} lacks its title");
    }

    // PNG: decodes, has the computed size, shows each component's colour and no colour of a
    // component that costs nothing (gateway endpoints), and text in the title band.
    let png = charts::render(&r, ChartKind::Costs, ChartFormat::Png).unwrap();
    let (w, h, rgb) = decode_png(&png);
    assert_eq!((w, h), costs.size());
    assert_eq!(w, 1000);
    let colour = |c: [u8; 3]| count(&rgb, w, 0..h, |px| px == c);
    for c in [
        [214, 39, 40],
        [255, 127, 14],
        [31, 119, 180],
        [23, 190, 207],
    ] {
        assert!(colour(c) > 500, "colour {c:?} missing from costs.png");
    }
    assert_eq!(colour([44, 160, 44]), 0, "gateway endpoints cost nothing");
    assert!(
        count(&rgb, w, 0..44, dark) > 300,
        "no title text in costs.png"
    );
    // Traffic CSVs carry no record times: the time chart is drawn from a flow log below
    // (traffic_over_time_of_a_hand_made_flow_log).
    for kind in ChartKind::ALL.into_iter().filter(|k| *k != ChartKind::Time) {
        let (w, h, rgb) = decode_png(&charts::render(&r, kind, ChartFormat::Png).unwrap());
        let not_white = count(&rgb, w, 0..h, |px| px != [255, 255, 255]);
        assert!(
            not_white * 50 > (w * h) as usize,
            "{kind:?} PNG is nearly blank"
        );
    }
}

/// A flow log with a header: records in three hours to an S3 address (16.15.156.10 is S3 in
/// us-east-1), an internet address and a private peer.
const TIME_LOG: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id region
2 123456789012 eni-aaa 10.0.1.5 16.15.156.10 40000 443 6 10 1000 1793491200 1793491260 ACCEPT OK vpc-time us-east-1
2 123456789012 eni-aaa 16.15.156.10 10.0.1.5 443 40000 6 10 3000 1793491300 1793491360 ACCEPT OK vpc-time us-east-1
2 123456789012 eni-aaa 10.0.1.5 8.8.8.8 40001 443 6 10 500 1793491400 1793491460 ACCEPT OK vpc-time us-east-1
2 123456789012 eni-aaa 10.0.1.5 8.8.8.8 40001 443 6 10 700 1793494800 1793494860 ACCEPT OK vpc-time us-east-1
2 123456789012 eni-aaa 10.0.1.5 10.0.2.9 40002 5432 6 10 300 1793495000 1793495060 ACCEPT OK vpc-time us-east-1
2 123456789012 eni-aaa 10.0.1.5 8.8.8.8 40001 443 6 10 99 1793495100 1793495160 REJECT OK vpc-time us-east-1
2 123456789012 eni-aaa 10.0.1.5 16.15.156.10 40000 443 6 10 2000 1793498400 1793498460 ACCEPT OK vpc-time us-east-1
2 123456789012 eni-aaa 10.0.1.5 8.8.8.8 40001 443 6 10 900 1793498500 1793498560 ACCEPT OK vpc-time us-east-1
";

#[test]
fn traffic_over_time_of_a_hand_made_flow_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("flows.log"), TIME_LOG).unwrap();
    let o = run(
        dir.path(),
        &["analyze", "flows.log", "--out", "out", "--quiet"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = dir.path().join("out");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let hourly = &report["vpcs"][0]["hourly"];
    let hours: Vec<(String, u64, Vec<u64>)> = hourly
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let b = &h["bytes"];
            (
                h["start"].as_str().unwrap().to_string(),
                h["unix"].as_u64().unwrap(),
                ["s3", "internet", "private", "aws-service", "dynamodb"]
                    .iter()
                    .map(|c| b[*c].as_u64().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        hours,
        [
            (
                "2026-11-01T00:00:00Z".into(),
                1793491200,
                vec![4000, 500, 0, 0, 0]
            ),
            (
                "2026-11-01T01:00:00Z".into(),
                1793494800,
                vec![0, 700, 300, 0, 0]
            ),
            (
                "2026-11-01T02:00:00Z".into(),
                1793498400,
                vec![2000, 900, 0, 0, 0]
            ),
        ]
    );
    let notes = report["assumptions"]["notes"].to_string();
    assert!(notes.contains("Traffic over time"), "{notes}");

    // The chart: hourly columns, the classes in the legend, the hours on the axis.
    let svg = std::fs::read_to_string(out.join("charts/traffic-over-time.svg")).unwrap();
    assert_well_formed(&svg);
    for want in [
        "Traffic over time by destination",
        "Bytes per hour",
        "vpc-time (us-east-1)",
        "S3 (same region)",
        "internet",
        "private (not NAT)",
        "11-01 00:00",
        "11-01 02:00",
        "KB per hour",
    ] {
        assert!(svg.contains(want), "traffic-over-time.svg lacks {want}");
    }
    let png = std::fs::read(out.join("charts/traffic-over-time.png")).unwrap();
    let (w, h, rgb) = decode_png(&png);
    assert_eq!(w, 1000);
    let colour = |c: [u8; 3]| count(&rgb, w, 0..h, |px| px == c);
    // S3 green, internet red, private grey: each a visible area.
    for c in [[44, 160, 44], [214, 39, 40], [127, 127, 127]] {
        assert!(
            colour(c) > 500,
            "colour {c:?} missing from traffic-over-time.png"
        );
    }
    let not_white = count(&rgb, w, 0..h, |px| px != [255, 255, 255]);
    assert!(
        not_white * 20 > (w * h) as usize,
        "traffic-over-time.png is nearly blank"
    );
    // The chart command draws the same.
    let o = run(dir.path(), &["chart", "time", "flows.log", "-o", "t.svg"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("t.svg")).unwrap(),
        svg
    );
    // Over a week, one column per day.
    let mut r = hand_made_report(dir.path(), "vpc-days");
    let hour = |unix: u64, s3: u64| vpce_advisor::timeseries::HourBytes {
        start: vpce_advisor::report::iso_utc(unix),
        unix,
        bytes: vpce_advisor::traffic::DestClass::ALL
            .iter()
            .map(|c| {
                (
                    *c,
                    if *c == vpce_advisor::traffic::DestClass::S3 {
                        s3
                    } else {
                        0
                    },
                )
            })
            .collect(),
    };
    r.vpcs[0].hourly = vec![
        hour(1793491200, 10),
        hour(1793491200 + 3600, 5),
        hour(1793491200 + 10 * 86_400, 7),
    ];
    let t = charts::time_data(&r);
    assert_eq!(t.bucket, 86_400);
    assert_eq!(t.panels[0].columns.len(), 11);
    assert_eq!(t.panels[0].columns[0], [15]);
    assert_eq!(t.panels[0].columns[10], [7]);
    assert!(charts::svg(&r, ChartKind::Time)
        .unwrap()
        .contains("2026-11-01"));
}

/// Runs the binary with every way of finding system fonts pointed at an empty place.
fn run_without_fonts(cwd: &Path, args: &[&str]) -> std::process::Output {
    let empty = cwd.join("no-fonts");
    std::fs::create_dir_all(&empty).unwrap();
    let conf = empty.join("fonts.conf");
    std::fs::write(&conf, "<?xml version=\"1.0\"?><fontconfig></fontconfig>\n").unwrap();
    Command::new(env!("CARGO_BIN_EXE_vpce-advisor"))
        .args(args)
        .current_dir(cwd)
        .env("FONTCONFIG_FILE", &conf)
        .env("FONTCONFIG_PATH", &empty)
        .env("HOME", &empty)
        .env("XDG_DATA_HOME", &empty)
        .env("XDG_DATA_DIRS", &empty)
        .env("XDG_CONFIG_HOME", &empty)
        .output()
        .expect("run vpce-advisor")
}

#[test]
fn chart_command_draws_text_with_system_fonts_hidden() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hand.csv"), hand_made_csv("vpc-hand")).unwrap();
    for kind in ["costs", "traffic", "break-even"] {
        let file = format!("{kind}.png");
        let o = run_without_fonts(
            dir.path(),
            &["chart", kind, "--traffic", "hand.csv", "-o", &file],
        );
        assert!(o.status.success(), "{}", text(&o));
        let (w, _, rgb) = decode_png(&std::fs::read(dir.path().join(&file)).unwrap());
        // Only the title's glyphs are drawn in the top band.
        assert!(
            count(&rgb, w, 0..44, dark) > 300,
            "{file}: no text drawn without system fonts"
        );
    }
    // --format svg, and the format taken from the file name.
    let o = run(
        dir.path(),
        &[
            "chart",
            "costs",
            "--traffic",
            "hand.csv",
            "--format",
            "svg",
            "-o",
            "c.out",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let svg = std::fs::read_to_string(dir.path().join("c.out")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("gateway+interface (recommended)"));
    let o = run(
        dir.path(),
        &["chart", "traffic", "--traffic", "hand.csv", "-o", "t.svg"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::read_to_string(dir.path().join("t.svg"))
        .unwrap()
        .contains("AWS other-aws (same region)"));
    // No input: the sample, written to <kind>.png in the working folder.
    let o = run(dir.path(), &["chart", "break-even"]);
    assert!(o.status.success(), "{}", text(&o));
    let (w, h, _) = decode_png(&std::fs::read(dir.path().join("break-even.png")).unwrap());
    assert!(w == 1000 && h > 800, "{w}x{h}");
    // The cost flags of `analyze`: 3 NAT gateways make nat-only 3 x 730 h x $0.045 + 51.75.
    let o = run(
        dir.path(),
        &[
            "chart",
            "costs",
            "--traffic",
            "hand.csv",
            "--nat-gateways",
            "3",
            "--azs",
            "2",
            "--policy",
            "cheapest",
            "-o",
            "n.svg",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::read_to_string(dir.path().join("n.svg"))
        .unwrap()
        .contains("$150.30"));
    let o = run(dir.path(), &["chart", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn hostile_ids_are_escaped_in_html_and_svg_and_contained() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "<script>alert('x')</script>\"&amp;\n../../evil/<img src=x onerror=alert(1)>";
    std::fs::write(dir.path().join("hand.csv"), hand_made_csv(hostile)).unwrap();
    let o = run(
        dir.path(),
        &[
            "analyze",
            "--traffic",
            "hand.csv",
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = dir.path().join("out");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<script"), "raw <script> in report.html");
    assert!(!html.contains("<img"), "raw <img> in report.html");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;amp; ../../evil/&lt;img src=x onerror=alert(1)&gt;"));
    assert_well_formed(
        &html
            .replace("<!DOCTYPE html>", "")
            .replace("<meta charset=\"utf-8\">", "")
            .replace(
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                "",
            ),
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!md.contains("<script") && !md.contains("<img"));
    for kind in ChartKind::ALL {
        let svg = std::fs::read_to_string(out.join(format!("charts/{}.svg", kind.stem()))).unwrap();
        assert!(
            !svg.contains("<script") && !svg.contains("<img"),
            "{kind:?}"
        );
        assert_well_formed(&svg);
    }
    assert!(std::fs::read_to_string(out.join("charts/costs.svg"))
        .unwrap()
        .contains(
            "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&quot;&amp;amp; ../../evil/&lt;i"
        ));
    // Nothing was written outside the output folder, whatever the ID says.
    let mut top: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["hand.csv", "out"]);
    let mut files: Vec<String> = walk(&out)
        .iter()
        .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "actions.sh",
            "charts/break-even.png",
            "charts/break-even.svg",
            "charts/costs.png",
            "charts/costs.svg",
            "charts/traffic-over-time.png",
            "charts/traffic-over-time.svg",
            "charts/traffic.png",
            "charts/traffic.svg",
            "costs.csv",
            "endpoint-policy.json",
            "endpoints.tf",
            "report.html",
            "report.json",
            "report.md",
            "traffic.csv"
        ]
    );
}

/// Writes the sample's reports into a temporary folder.
fn sample_report() -> (tempfile::TempDir, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = run(
        root,
        &[
            "analyze",
            "data/sample/AWSLogs",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    (dir, out)
}

#[test]
fn sample_html_matches_its_golden_file() {
    let (_dir, out) = sample_report();
    let html = std::fs::read(out.join("report.html")).unwrap();
    golden("sample-report.html", &html);
    let html = String::from_utf8(html).unwrap();
    // Self-contained: no script, no external resource.
    for banned in ["<script", "http://", "https://", "<link", "src="] {
        let hits: Vec<&str> = html
            .match_indices(banned)
            .map(|(i, _)| &html[i.saturating_sub(40)..(i + 40).min(html.len())])
            .filter(|ctx| !ctx.contains("xmlns=\"http://www.w3.org/2000/svg\""))
            .collect();
        assert!(hits.is_empty(), "report.html has {banned}: {hits:?}");
    }
    // Summary first, then charts, then the VPCs.
    let pos = |s: &str| html.find(s).unwrap_or_else(|| panic!("lacks {s}"));
    assert!(pos("id=\"summary\"") < pos("id=\"charts\""));
    assert!(pos("id=\"charts\"") < pos("id=\"vpc-1\""));
    assert!(pos("id=\"vpc-3\"") < pos("id=\"caveats\""));
    assert!(pos("id=\"caveats\"") < pos("id=\"guide\""));
    for want in [
        "SKIPDATA record(s)",
        "syncToken 1787411825",
        "Gateway Load Balancer endpoint",
        "Security considerations",
        "Best practices",
    ] {
        pos(want);
    }
}

/// Runs `cmd` with its output in files under `dir` (a pipe could fill and stall it), killing
/// it after `limit`.
fn output_within(mut cmd: Command, dir: &Path, limit: Duration) -> std::process::Output {
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = cmd
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return std::process::Output {
                status,
                stdout: std::fs::read(&out).unwrap(),
                stderr: std::fs::read(&err).unwrap(),
            };
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("chromium did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn chromium(profile: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args);
    cmd
}

const CHROMIUM: &str = "/usr/bin/chromium";

#[test]
fn report_html_renders_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        if std::env::var("VPCE_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!("{CHROMIUM} is missing and VPCE_REQUIRE_CHROMIUM=1");
        }
        eprintln!("skipped: {CHROMIUM} not installed (apt-get install chromium)");
        return;
    }
    let (dir, out) = sample_report();
    let url = format!("file://{}", out.join("report.html").display());
    let o = output_within(
        chromium(&dir.path().join("profile-dom"), &["--dump-dom", &url]),
        dir.path(),
        Duration::from_secs(120),
    );
    assert!(o.status.success(), "{}", text(&o));
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(dom.contains("Summary: what to do"), "DOM lacks the summary");
    assert!(
        dom.contains("saving <strong>$179.12/month</strong>"),
        "DOM lacks the saving"
    );
    for vpc in [
        "vpc-0a1b2c3d4e5f60001",
        "vpc-0a1b2c3d4e5f60002",
        "vpc-0a1b2c3d4e5f60003",
        "vpc-0a1b2c3d4e5f60004",
        "vpc-0a1b2c3d4e5f60005",
    ] {
        assert!(dom.contains(vpc), "DOM lacks {vpc}");
    }
    for i in 1..=5 {
        assert!(
            dom.contains(&format!("id=\"vpc-{i}\"")),
            "DOM lacks section vpc-{i}"
        );
    }
    for kind in ChartKind::ALL {
        let id = format!("id=\"chart-{}\"", kind.stem());
        let at = dom.find(&id).unwrap_or_else(|| panic!("DOM lacks {id}"));
        assert!(
            dom[at..].trim_start_matches(&id).contains("<svg"),
            "{id} has no SVG"
        );
        assert!(dom.contains(kind.title()), "DOM lacks chart {kind:?}");
    }
    assert!(dom.matches("<svg").count() >= ChartKind::ALL.len());

    let shot = dir.path().join("shot.png");
    let o = output_within(
        chromium(
            &dir.path().join("profile-shot"),
            &[
                &format!("--screenshot={}", shot.display()),
                "--window-size=1280,2000",
                &url,
            ],
        ),
        dir.path(),
        Duration::from_secs(120),
    );
    assert!(o.status.success(), "{}", text(&o));
    let (w, h, rgb) = decode_png(&std::fs::read(&shot).expect("screenshot written"));
    assert_eq!((w, h), (1280, 2000));
    // Not blank: text (dark pixels) and chart colours (saturated pixels) are on screen.
    let darks = count(&rgb, w, 0..h, dark);
    let colourful = count(&rgb, w, 0..h, |px| {
        let (max, min) = (*px.iter().max().unwrap(), *px.iter().min().unwrap());
        max - min > 100
    });
    assert!(darks > 5_000, "screenshot has {darks} dark pixels");
    assert!(
        colourful > 5_000,
        "screenshot has {colourful} colourful pixels"
    );
}
