//! Charts: a [`Report`] in; PNG or SVG bytes out for each [`ChartKind`] (monthly cost per VPC and
//! setup stacked by cost component, monthly traffic by destination, interface-endpoint
//! break-even). Shaping the data ([`BarChart`], [`BreakEvenChart`]) and drawing it are apart;
//! sizes, fonts and colours live in the `style` consts below. Text is drawn with DejaVu Sans
//! embedded in the binary (plotters' `ab_glyph` backend), so no system font is ever looked up.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{fmt_gb, fmt_usd, Report};
use crate::error::{Error, Result};
use crate::pricing::Item;
use crate::traffic::DestClass;

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum ChartKind {
    /// Monthly cost of each setup per VPC, stacked by cost component.
    Costs,
    /// Monthly traffic per VPC, stacked by destination.
    Traffic,
    /// Cost against GB/month: NAT vs an interface endpoint in 1-3 AZs, observed services as points.
    BreakEven,
    /// Observed traffic per hour (or day) by destination class, one panel per VPC.
    #[value(name = "time", alias = "traffic-over-time")]
    Time,
}

impl ChartKind {
    pub const ALL: [ChartKind; 4] = [
        ChartKind::Costs,
        ChartKind::Traffic,
        ChartKind::BreakEven,
        ChartKind::Time,
    ];

    /// File name without extension, also the HTML anchor.
    pub fn stem(self) -> &'static str {
        match self {
            ChartKind::Costs => "costs",
            ChartKind::Traffic => "traffic",
            ChartKind::BreakEven => "break-even",
            ChartKind::Time => "traffic-over-time",
        }
    }

    /// Title drawn on the chart.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Costs => "Monthly cost per VPC and setup",
            ChartKind::Traffic => "Monthly traffic per VPC by destination",
            ChartKind::BreakEven => "Interface endpoint break-even",
            ChartKind::Time => "Traffic over time by destination",
        }
    }
}

/// Image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChartFormat {
    Png,
    Svg,
}

impl ChartFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

// Style: sizes, fonts and colours in one place.
const FONT: &str = "sans-serif";
const WIDTH: u32 = 1000;
const TITLE_H: u32 = 44;
const LEGEND_ROW_H: u32 = 24;
const PANEL_CAPTION_H: u32 = 34;
const BAR_H: u32 = 34;
const AXIS_H: u32 = 44;
const LABEL_W: u32 = 250;
const BREAK_EVEN_PANEL_H: u32 = 420;
/// At most this many VPCs are drawn (the costliest today); the title says so.
pub const MAX_VPCS: usize = 12;
const TEXT: RGBColor = RGBColor(33, 37, 41);
const GRID: RGBColor = RGBColor(222, 226, 230);
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
/// Cost components by `Component` discriminant: NAT in warm colours, endpoints in cool ones.
/// Order: NAT gateway hours, NAT GB, gateway endpoint, interface hours, interface GB, inter-AZ,
/// NAT instance hours, GWLB endpoint hours, GWLB endpoint GB.
const COMPONENT_COLOURS: [RGBColor; 9] = [
    RGBColor(214, 39, 40),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(31, 119, 180),
    RGBColor(23, 190, 207),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
];

/// Registers the embedded DejaVu Sans as plotters' `sans-serif` (once per process).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TTF shipped in the `dejavu` crate; a failure would show as a
        // drawing error ("font unavailable"), never as a silent system-font fallback.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// One named, coloured series of a chart (a stack segment kind or a line).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub colour: RGBColor,
}

/// One horizontal bar: segments `(series index, value)` stacked left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub segments: Vec<(usize, f64)>,
    /// Drawn with an outline and a bold `(recommended)` label.
    pub marked: bool,
    /// Text after the bar (its total).
    pub value_text: String,
}

/// Bars under one caption, sharing an axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub caption: String,
    pub bars: Vec<Bar>,
}

/// Stacked horizontal bars in panels, with a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub axis: String,
    pub money: bool,
    pub series: Vec<Series>,
    pub panels: Vec<Panel>,
}

/// Break-even lines and observed points for one region.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakEvenPanel {
    pub caption: String,
    pub nat_usd_per_gb: f64,
    pub endpoint_usd_per_gb: f64,
    pub endpoint_usd_per_az_month: f64,
    /// `(label, GB/month, NAT cost/month, passes break-even)`.
    pub points: Vec<(String, f64, f64, bool)>,
}

/// Break-even chart: one panel per region.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakEvenChart {
    pub title: String,
    pub panels: Vec<BreakEvenPanel>,
}

/// Text from input made safe for a chart label: control and invisible characters become
/// spaces, long text is cut (the SVG backend escapes markup characters itself).
pub fn label(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| {
            if c.is_control() || crate::text::is_invisible(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    if clean.chars().count() > max {
        let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        clean
    }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Indices of the VPCs drawn: the [`MAX_VPCS`] costliest today, in report order.
fn shown_vpcs(r: &Report) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..r.vpcs.len()).collect();
    if idx.len() > MAX_VPCS {
        idx.sort_by(|&a, &b| {
            r.vpcs[b]
                .recommendation
                .baseline_usd
                .cmp(&r.vpcs[a].recommendation.baseline_usd)
                .then(a.cmp(&b))
        });
        idx.truncate(MAX_VPCS);
        idx.sort();
    }
    idx
}

fn title_with_count(title: &str, r: &Report, shown: usize) -> String {
    if shown < r.vpcs.len() {
        format!(
            "{title} ({shown} of {} VPCs, costliest today)",
            r.vpcs.len()
        )
    } else {
        title.to_string()
    }
}

fn vpc_caption(v: &super::VpcReport) -> String {
    format!(
        "{} ({})",
        label(&v.traffic.vpc_id, 48),
        label(&v.traffic.region, 24)
    )
}

/// Costs chart data: per VPC a panel, per setup a bar stacked by cost component.
pub fn costs_data(r: &Report) -> BarChart {
    let shown = shown_vpcs(r);
    let mut components = std::collections::BTreeSet::new();
    for &i in &shown {
        for s in &r.vpcs[i].scenarios {
            for l in &s.lines {
                if !l.monthly_usd.is_zero() {
                    components.insert(l.component);
                }
            }
        }
    }
    let components: Vec<_> = components.into_iter().collect();
    let series = components
        .iter()
        .map(|&c| Series {
            name: c.label().to_string(),
            colour: COMPONENT_COLOURS[c as usize % COMPONENT_COLOURS.len()],
        })
        .collect();
    let panels = shown
        .iter()
        .map(|&i| {
            let v = &r.vpcs[i];
            let bars = v
                .scenarios
                .iter()
                .map(|s| {
                    let segments = components
                        .iter()
                        .enumerate()
                        .map(|(k, &c)| {
                            let usd: Decimal = s
                                .lines
                                .iter()
                                .filter(|l| l.component == c)
                                .map(|l| l.monthly_usd)
                                .sum();
                            (k, f(usd))
                        })
                        .filter(|(_, usd)| *usd > 0.0)
                        .collect();
                    let marked = s.kind == v.recommendation.recommended;
                    Bar {
                        label: if marked {
                            format!("{} (recommended)", s.kind.name())
                        } else {
                            s.kind.name().to_string()
                        },
                        segments,
                        marked,
                        value_text: fmt_usd(s.total()),
                    }
                })
                .collect();
            Panel {
                caption: vpc_caption(v),
                bars,
            }
        })
        .collect();
    BarChart {
        title: title_with_count(ChartKind::Costs.title(), r, shown.len()),
        axis: "USD per month".into(),
        money: true,
        series,
        panels,
    }
}

/// The destination group a traffic row is drawn under: its class, and for same-region AWS
/// services the endpoint service (each named service its own segment).
fn dest_series(d: &crate::traffic::DestTraffic) -> (DestClass, String) {
    match d.class {
        DestClass::AwsService => {
            let name = d
                .endpoint
                .clone()
                .unwrap_or_else(|| d.service.to_lowercase());
            (d.class, name)
        }
        c => (c, String::new()),
    }
}

fn dest_series_name(class: DestClass, service: &str) -> String {
    match class {
        DestClass::S3 => "S3 (same region)".into(),
        DestClass::Dynamodb => "DynamoDB (same region)".into(),
        DestClass::AwsService => format!("AWS {} (same region)", label(service, 24)),
        DestClass::AwsCrossRegion => "AWS, other region".into(),
        DestClass::AwsHosted => "AWS-hosted / edge".into(),
        DestClass::Internet => "internet".into(),
        DestClass::Ipv6Direct => "IPv6 direct (not NAT)".into(),
        DestClass::Private => "private (not NAT)".into(),
    }
}

/// Traffic chart data: one bar per VPC, stacked by destination.
pub fn traffic_data(r: &Report) -> BarChart {
    let shown = shown_vpcs(r);
    let mut keys = std::collections::BTreeSet::new();
    for &i in &shown {
        for d in &r.vpcs[i].traffic.destinations {
            if d.monthly_gb > Decimal::ZERO {
                keys.insert(dest_series(d));
            }
        }
    }
    let keys: Vec<_> = keys.into_iter().collect();
    // One palette for destination classes in every chart (the time chart uses the same):
    // several services of one class get lighter shades of the class's colour.
    let series = keys
        .iter()
        .enumerate()
        .map(|(k, (class, service))| {
            let shade = keys[..k].iter().filter(|(c, _)| c == class).count();
            Series {
                name: dest_series_name(*class, service),
                colour: lighter(class_colour(*class), shade),
            }
        })
        .collect();
    let bars = shown
        .iter()
        .map(|&i| {
            let v = &r.vpcs[i];
            let mut sums = vec![Decimal::ZERO; keys.len()];
            for d in &v.traffic.destinations {
                if let Ok(k) = keys.binary_search(&dest_series(d)) {
                    sums[k] += d.monthly_gb;
                }
            }
            let total: Decimal = sums.iter().sum();
            Bar {
                label: vpc_caption(v),
                segments: sums
                    .iter()
                    .enumerate()
                    .filter(|(_, gb)| **gb > Decimal::ZERO)
                    .map(|(k, gb)| (k, f(*gb)))
                    .collect(),
                marked: false,
                value_text: format!("{} GB", fmt_gb(total)),
            }
        })
        .collect();
    BarChart {
        title: title_with_count(ChartKind::Traffic.title(), r, shown.len()),
        axis: "GB per month (both directions)".into(),
        money: false,
        series,
        panels: vec![Panel {
            caption: String::new(),
            bars,
        }],
    }
}

/// Break-even chart data: per region of the report, the NAT and endpoint cost lines and each
/// observed same-region AWS service as a point.
pub fn break_even_data(r: &Report) -> BreakEvenChart {
    let shown = shown_vpcs(r);
    let mut panels = Vec::new();
    for rp in &r.prices.regions {
        let (Ok(nat), Ok(ep), Ok(hour)) = (
            rp.price(Item::NatGatewayPerGb),
            rp.price(Item::InterfaceEndpointPerGb),
            rp.price(Item::InterfaceEndpointHourlyPerAz),
        ) else {
            continue;
        };
        let mut points = Vec::new();
        for &i in &shown {
            let v = &r.vpcs[i];
            if v.traffic.region != rp.region {
                continue;
            }
            for b in v
                .break_evens
                .iter()
                .filter(|b| matches!(b.class, DestClass::AwsService | DestClass::AwsCrossRegion))
            {
                points.push((
                    format!(
                        "{} {} ({} AZ)",
                        label(&v.traffic.vpc_id, 32),
                        label(&b.service, 24),
                        b.azs
                    ),
                    f(b.monthly_gb),
                    f(b.monthly_gb * nat.usd),
                    b.passes,
                ));
            }
        }
        panels.push(BreakEvenPanel {
            caption: format!(
                "{}: NAT ${}/GB vs interface endpoint ${}/h per AZ + ${}/GB",
                label(&rp.region, 24),
                nat.usd.normalize(),
                hour.usd.normalize(),
                ep.usd.normalize()
            ),
            nat_usd_per_gb: f(nat.usd),
            endpoint_usd_per_gb: f(ep.usd),
            endpoint_usd_per_az_month: f(hour.usd * crate::units::hours_per_month()),
            points,
        });
    }
    BreakEvenChart {
        title: ChartKind::BreakEven.title().to_string(),
        panels,
    }
}

fn draw_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::Invalid(format!("cannot draw chart: {e:?}"))
}

fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&TEXT)
}

fn bold(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size, FontStyle::Bold).into_font()).color(&TEXT)
}

/// Rows the legend needs at `WIDTH` (an estimate by characters, identical for every backend).
fn legend_layout(series: &[Series]) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
    let mut x = 20u32;
    for (k, s) in series.iter().enumerate() {
        let w = 30 + 8 * s.name.chars().count() as u32 + 20;
        if x + w > WIDTH - 20 && !rows.last().is_some_and(Vec::is_empty) {
            rows.push(Vec::new());
            x = 20;
        }
        rows.last_mut().expect("a row").push(k);
        x += w;
    }
    rows
}

fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, series: &[Series]) -> Result<()> {
    for (row_i, row) in legend_layout(series).iter().enumerate() {
        let y = row_i as i32 * LEGEND_ROW_H as i32 + 4;
        let mut x = 20i32;
        for &k in row {
            let s = &series[k];
            area.draw(&Rectangle::new(
                [(x, y + 3), (x + 16, y + 17)],
                s.colour.filled(),
            ))
            .map_err(draw_err)?;
            area.draw(&Text::new(s.name.clone(), (x + 22, y + 3), font(14.0)))
                .map_err(draw_err)?;
            x += 30 + 8 * s.name.chars().count() as i32 + 20;
        }
    }
    Ok(())
}

impl BarChart {
    fn legend_h(&self) -> u32 {
        legend_layout(&self.series).len() as u32 * LEGEND_ROW_H + 8
    }

    fn panel_h(p: &Panel) -> u32 {
        let caption = if p.caption.is_empty() {
            8
        } else {
            PANEL_CAPTION_H
        };
        caption + BAR_H * p.bars.len().max(1) as u32 + AXIS_H
    }

    /// Pixel size of the drawing.
    pub fn size(&self) -> (u32, u32) {
        let panels: u32 = self.panels.iter().map(Self::panel_h).sum();
        (WIDTH, TITLE_H + self.legend_h() + panels.max(60) + 10)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let (title, rest) = root.split_vertically(TITLE_H);
        title
            .draw(&Text::new(self.title.clone(), (20, 12), bold(22.0)))
            .map_err(draw_err)?;
        let (legend, mut rest) = rest.split_vertically(self.legend_h());
        draw_legend(&legend, &self.series)?;
        if self.panels.is_empty() {
            rest.draw(&Text::new("no VPCs in the report", (20, 20), font(16.0)))
                .map_err(draw_err)?;
        }
        for p in &self.panels {
            let (area, below) = rest.split_vertically(Self::panel_h(p));
            self.draw_panel(&area, p)?;
            rest = below;
        }
        root.present().map_err(draw_err)?;
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: &Panel,
    ) -> Result<()> {
        // A segmented axis over 0..=k has k + 1 slots; two at least (one bar leaves one empty).
        let n = p.bars.len().max(2) as i32;
        let max = p
            .bars
            .iter()
            .map(|b| b.segments.iter().map(|s| s.1).sum::<f64>())
            .fold(0.0, f64::max);
        let x_max = if max > 0.0 { max * 1.18 } else { 1.0 };
        let mut builder = ChartBuilder::on(area);
        builder
            .margin_left(10)
            .margin_right(20)
            .margin_top(4)
            .x_label_area_size(AXIS_H - 6)
            .y_label_area_size(LABEL_W);
        if !p.caption.is_empty() {
            builder.caption(p.caption.clone(), bold(16.0));
        }
        let mut chart = builder
            .build_cartesian_2d(0f64..x_max, (0..n - 1).into_segmented())
            .map_err(draw_err)?;
        let labels: Vec<String> = p.bars.iter().map(|b| b.label.clone()).collect();
        let money = self.money;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .y_labels(n as usize)
            .y_label_style(font(14.0))
            .x_label_style(font(13.0))
            .y_label_formatter(&|v: &SegmentValue<i32>| match v {
                SegmentValue::CenterOf(i) => labels
                    .get((n - 1 - i) as usize)
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_formatter(&|x: &f64| {
                if money {
                    format!("${x:.0}")
                } else {
                    format!("{x:.0}")
                }
            })
            .x_desc(self.axis.clone())
            .axis_desc_style(font(13.0))
            .draw()
            .map_err(draw_err)?;
        for (i, bar) in p.bars.iter().enumerate() {
            let row = n - 1 - i as i32;
            let mut x0 = 0.0;
            for &(k, v) in &bar.segments {
                let colour = self.series[k].colour;
                let mut rect = Rectangle::new(
                    [
                        (x0, SegmentValue::Exact(row)),
                        (x0 + v, SegmentValue::Exact(row + 1)),
                    ],
                    colour.filled(),
                );
                rect.set_margin(6, 6, 0, 0);
                chart.draw_series(std::iter::once(rect)).map_err(draw_err)?;
                x0 += v;
            }
            if bar.marked {
                let mut rect = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row)),
                        (x0.max(x_max * 0.002), SegmentValue::Exact(row + 1)),
                    ],
                    BLACK.stroke_width(3),
                );
                rect.set_margin(4, 4, 0, 0);
                chart.draw_series(std::iter::once(rect)).map_err(draw_err)?;
            }
            let style = if bar.marked { bold(14.0) } else { font(14.0) }
                .pos(Pos::new(HPos::Left, VPos::Center));
            chart
                .draw_series(std::iter::once(Text::new(
                    bar.value_text.clone(),
                    (x0 + x_max * 0.01, SegmentValue::CenterOf(row)),
                    style,
                )))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

const BREAK_EVEN_AZS: [u32; 3] = [1, 2, 3];

impl BreakEvenChart {
    fn series(&self) -> Vec<Series> {
        let mut s = vec![Series {
            name: "NAT gateway (data processing)".into(),
            colour: PALETTE[3],
        }];
        for (k, azs) in BREAK_EVEN_AZS.iter().enumerate() {
            s.push(Series {
                name: format!("interface endpoint, {azs} AZ"),
                colour: [PALETTE[0], PALETTE[9], PALETTE[4]][k],
            });
        }
        s.push(Series {
            name: "observed service: endpoint pays".into(),
            colour: PALETTE[2],
        });
        s.push(Series {
            name: "observed service: below break-even".into(),
            colour: PALETTE[7],
        });
        s
    }

    /// Pixel size of the drawing.
    pub fn size(&self) -> (u32, u32) {
        let legend = legend_layout(&self.series()).len() as u32 * LEGEND_ROW_H + 8;
        (
            WIDTH,
            TITLE_H + legend + BREAK_EVEN_PANEL_H * self.panels.len().max(1) as u32 + 10,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let series = self.series();
        let (title, rest) = root.split_vertically(TITLE_H);
        title
            .draw(&Text::new(self.title.clone(), (20, 12), bold(22.0)))
            .map_err(draw_err)?;
        let legend_h = legend_layout(&series).len() as u32 * LEGEND_ROW_H + 8;
        let (legend, mut rest) = rest.split_vertically(legend_h);
        draw_legend(&legend, &series)?;
        if self.panels.is_empty() {
            rest.draw(&Text::new(
                "no region with NAT and interface endpoint prices",
                (20, 20),
                font(16.0),
            ))
            .map_err(draw_err)?;
        }
        for p in &self.panels {
            let (area, below) = rest.split_vertically(BREAK_EVEN_PANEL_H);
            Self::draw_panel(&area, p, &series)?;
            rest = below;
        }
        root.present().map_err(draw_err)?;
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        p: &BreakEvenPanel,
        series: &[Series],
    ) -> Result<()> {
        let margin = p.nat_usd_per_gb - p.endpoint_usd_per_gb;
        let be3 = if margin > 0.0 {
            3.0 * p.endpoint_usd_per_az_month / margin
        } else {
            1000.0
        };
        let max_point = p.points.iter().map(|q| q.1).fold(0.0, f64::max);
        let x_max = (be3 * 1.5).max(max_point * 1.15).max(1.0);
        let y_of = |gb: f64, azs: u32| {
            azs as f64 * p.endpoint_usd_per_az_month + gb * p.endpoint_usd_per_gb
        };
        let y_max = (x_max * p.nat_usd_per_gb).max(y_of(x_max, 3)).max(1.0) * 1.05;
        let mut chart = ChartBuilder::on(area)
            .caption(p.caption.clone(), bold(16.0))
            .margin_left(10)
            .margin_right(30)
            .margin_top(4)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..x_max, 0f64..y_max)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_label_style(font(13.0))
            .y_label_style(font(13.0))
            .x_desc("GB per month of one service's traffic")
            .y_desc("USD per month")
            .axis_desc_style(font(13.0))
            .y_label_formatter(&|y: &f64| format!("${y:.0}"))
            .x_label_formatter(&|x: &f64| format!("{x:.0}"))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (x_max, x_max * p.nat_usd_per_gb)],
                series[0].colour.stroke_width(3),
            ))
            .map_err(draw_err)?;
        for (k, azs) in BREAK_EVEN_AZS.iter().enumerate() {
            chart
                .draw_series(LineSeries::new(
                    [(0.0, y_of(0.0, *azs)), (x_max, y_of(x_max, *azs))],
                    series[1 + k].colour.stroke_width(2),
                ))
                .map_err(draw_err)?;
        }
        // Labels are placed in pixels: to the left of points in the right part, and raised
        // step by step until they overprint no label placed before.
        let base = area.get_base_pixel();
        let mut placed: Vec<(i32, i32, i32)> = Vec::new(); // (left, right, top)
        for (text, gb, usd, passes) in &p.points {
            let colour = if *passes {
                series[4].colour
            } else {
                series[5].colour
            };
            chart
                .draw_series(std::iter::once(Circle::new(
                    (*gb, *usd),
                    6,
                    colour.filled(),
                )))
                .map_err(draw_err)?;
            let (px, py) = chart.backend_coord(&(*gb, *usd));
            let (px, py) = (px - base.0, py - base.1);
            let width = 8 * text.chars().count() as i32;
            let right = *gb > x_max * 0.6;
            let (left, hpos) = if right {
                (px - 10 - width, HPos::Right)
            } else {
                (px + 10, HPos::Left)
            };
            let mut top = py - 24;
            while placed
                .iter()
                .any(|&(l, r, t)| left < r && l < left + width && (top - t).abs() < 17)
            {
                top -= 17;
            }
            placed.push((left, left + width, top));
            let x = if right { px - 10 } else { px + 10 };
            area.draw(&Text::new(
                text.clone(),
                (x, top),
                font(13.0).pos(Pos::new(hpos, VPos::Top)),
            ))
            .map_err(draw_err)?;
        }
        Ok(())
    }
}

/// `c` mixed with white, a fifth more per step (at most four steps), so shades of one class stay
/// recognisable and distinct.
fn lighter(c: RGBColor, steps: usize) -> RGBColor {
    let t = (steps.min(4) as u16) * 20; // percent of white
    let mix = |v: u8| ((v as u16 * (100 - t) + 255 * t) / 100) as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// The colour of a destination class, the same in every chart.
fn class_colour(class: DestClass) -> RGBColor {
    match class {
        DestClass::S3 => PALETTE[2],
        DestClass::Dynamodb => PALETTE[9],
        DestClass::AwsService => PALETTE[0],
        DestClass::AwsCrossRegion => PALETTE[4],
        DestClass::AwsHosted => PALETTE[1],
        DestClass::Internet => PALETTE[3],
        DestClass::Ipv6Direct => PALETTE[8],
        DestClass::Private => PALETTE[7],
    }
}

/// Windows longer than this many hours are drawn per day.
pub const MAX_HOURLY_BUCKETS: u64 = 7 * 24;

/// One VPC's stacked columns: per bucket, bytes by series index.
#[derive(Debug, Clone, PartialEq)]
pub struct TimePanel {
    pub caption: String,
    /// Per bucket (first bucket first, gaps included), bytes per series.
    pub columns: Vec<Vec<u64>>,
}

/// Traffic over time: stacked columns per hour or day, one panel per VPC.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeChart {
    pub title: String,
    pub subtitle: String,
    /// Classes drawn, in [`DestClass::ALL`] order.
    pub classes: Vec<DestClass>,
    pub series: Vec<Series>,
    /// Unix seconds of the first bucket's start.
    pub first: u64,
    /// Bucket length in seconds (3600 or 86400).
    pub bucket: u64,
    pub panels: Vec<TimePanel>,
}

/// Traffic-over-time chart data from each shown VPC's `hourly` series; per day when the hours
/// span more than [`MAX_HOURLY_BUCKETS`].
pub fn time_data(r: &Report) -> TimeChart {
    let shown: Vec<usize> = shown_vpcs(r)
        .into_iter()
        .filter(|&i| !r.vpcs[i].hourly.is_empty())
        .collect();
    let mut classes = std::collections::BTreeSet::new();
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    for &i in &shown {
        for h in &r.vpcs[i].hourly {
            lo = lo.min(h.unix);
            hi = hi.max(h.unix);
            classes.extend(h.bytes.iter().filter(|(_, b)| **b > 0).map(|(c, _)| *c));
        }
    }
    let classes: Vec<DestClass> = classes.into_iter().collect();
    let hourly = shown.is_empty() || (hi - lo) / 3600 < MAX_HOURLY_BUCKETS;
    let bucket = if hourly { 3600 } else { 86_400 };
    let first = if shown.is_empty() {
        0
    } else {
        lo - lo % bucket
    };
    let n = if shown.is_empty() {
        0
    } else {
        ((hi - first) / bucket + 1) as usize
    };
    let panels = shown
        .iter()
        .map(|&i| {
            let v = &r.vpcs[i];
            let mut columns = vec![vec![0u64; classes.len()]; n];
            for h in &v.hourly {
                let col = &mut columns[((h.unix - first) / bucket) as usize];
                for (c, b) in &h.bytes {
                    if let Ok(k) = classes.binary_search(c) {
                        col[k] = col[k].saturating_add(*b);
                    }
                }
            }
            TimePanel {
                caption: vpc_caption(v),
                columns,
            }
        })
        .collect::<Vec<_>>();
    let per = if hourly { "hour" } else { "day (UTC)" };
    let mut title = ChartKind::Time.title().to_string();
    if panels.len() < r.vpcs.len() && !panels.is_empty() {
        title = format!(
            "{title} ({} of {} VPCs{})",
            panels.len(),
            r.vpcs.len(),
            if r.vpcs.len() > MAX_VPCS {
                ", costliest today"
            } else {
                ", with record times"
            }
        );
    }
    TimeChart {
        title,
        subtitle: format!("Bytes per {per}, both directions, as logged; each VPC and class scaled to its totals after NAT de-duplication"),
        series: classes
            .iter()
            .map(|&c| Series {
                name: match c {
                    DestClass::AwsService => "AWS services (same region)".to_string(),
                    c => dest_series_name(c, ""),
                },
                colour: class_colour(c),
            })
            .collect(),
        classes,
        first,
        bucket,
        panels,
    }
}

const TIME_PANEL_H: u32 = 300;
const SUBTITLE_H: u32 = 24;

/// A byte unit for an axis whose largest value is `max`: (divisor, name).
fn byte_unit(max: u64) -> (f64, &'static str) {
    const UNITS: [(u64, &str); 5] = [
        (1 << 40, "TB"),
        (1 << 30, "GB"),
        (1 << 20, "MB"),
        (1 << 10, "KB"),
        (1, "bytes"),
    ];
    let (d, n) = UNITS
        .into_iter()
        .find(|(d, _)| max >= *d)
        .unwrap_or((1, "bytes"));
    (d as f64, n)
}

impl TimeChart {
    fn legend_h(&self) -> u32 {
        legend_layout(&self.series).len() as u32 * LEGEND_ROW_H + 8
    }

    /// Pixel size of the drawing.
    pub fn size(&self) -> (u32, u32) {
        (
            WIDTH,
            TITLE_H
                + SUBTITLE_H
                + self.legend_h()
                + TIME_PANEL_H * self.panels.len().max(1) as u32
                + 10,
        )
    }

    /// Buckets between labels: at most about 8 labels, on round steps.
    fn label_step(&self, n: usize) -> usize {
        let steps: &[usize] = if self.bucket == 3600 {
            &[1, 2, 3, 6, 12, 24]
        } else {
            &[1, 2, 7, 14, 28, 56, 91, 182, 364]
        };
        steps
            .iter()
            .copied()
            .find(|s| n.div_ceil(*s) <= 8)
            .unwrap_or(n.div_ceil(8).max(1))
    }

    /// Axis label of bucket `i`.
    fn bucket_label(&self, i: i64) -> String {
        let t = crate::report::iso_utc(self.first + i.max(0) as u64 * self.bucket);
        if self.bucket == 3600 {
            // 2026-11-01T05:00:00Z -> 11-01 05:00
            format!("{} {}", &t[5..10], &t[11..16])
        } else {
            t[..10].to_string()
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let (title, rest) = root.split_vertically(TITLE_H + SUBTITLE_H);
        title
            .draw(&Text::new(self.title.clone(), (20, 12), bold(22.0)))
            .map_err(draw_err)?;
        title
            .draw(&Text::new(self.subtitle.clone(), (20, 42), font(14.0)))
            .map_err(draw_err)?;
        let (legend, mut rest) = rest.split_vertically(self.legend_h());
        draw_legend(&legend, &self.series)?;
        if self.panels.is_empty() {
            rest.draw(&Text::new(
                "no VPC with record start times in the report",
                (20, 20),
                font(16.0),
            ))
            .map_err(draw_err)?;
        }
        for p in &self.panels {
            let (area, below) = rest.split_vertically(TIME_PANEL_H);
            self.draw_panel(&area, p)?;
            rest = below;
        }
        root.present().map_err(draw_err)?;
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: &TimePanel,
    ) -> Result<()> {
        let n = p.columns.len().max(1);
        let max = p
            .columns
            .iter()
            .map(|c| c.iter().sum::<u64>())
            .max()
            .unwrap_or(0);
        let (div, unit) = byte_unit(max);
        let y_max = if max > 0 { max as f64 / div * 1.1 } else { 1.0 };
        let per = if self.bucket == 3600 { "hour" } else { "day" };
        let mut chart = ChartBuilder::on(area)
            .caption(p.caption.clone(), bold(16.0))
            .margin_left(10)
            .margin_right(30)
            .margin_top(4)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..n as f64, 0f64..y_max)
            .map_err(draw_err)?;
        let step = self.label_step(n);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(n + 1)
            .x_label_style(font(12.0))
            .y_label_style(font(13.0))
            .y_desc(format!("{unit} per {per}"))
            .axis_desc_style(font(13.0))
            .x_label_formatter(&|x: &f64| {
                if x.fract() == 0.0 && (*x as usize) < n && (*x as usize).is_multiple_of(step) {
                    self.bucket_label(*x as i64)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y: &f64| {
                if y_max < 10.0 {
                    format!("{y:.1}")
                } else {
                    format!("{y:.0}")
                }
            })
            .draw()
            .map_err(draw_err)?;
        let gap = if n > 1 { 0.12 } else { 0.3 };
        for (i, col) in p.columns.iter().enumerate() {
            let mut y0 = 0.0;
            for (k, &b) in col.iter().enumerate() {
                if b == 0 {
                    continue;
                }
                let y1 = y0 + b as f64 / div;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(i as f64 + gap, y0), (i as f64 + 1.0 - gap, y1)],
                        self.series[k].colour.filled(),
                    )))
                    .map_err(draw_err)?;
                y0 = y1;
            }
        }
        Ok(())
    }
}

fn draw_kind<DB: DrawingBackend>(
    r: &Report,
    kind: ChartKind,
    root: &DrawingArea<DB, Shift>,
) -> Result<()> {
    match kind {
        ChartKind::Costs => costs_data(r).draw(root),
        ChartKind::Traffic => traffic_data(r).draw(root),
        ChartKind::BreakEven => break_even_data(r).draw(root),
        ChartKind::Time => time_data(r).draw(root),
    }
}

fn size_of(r: &Report, kind: ChartKind) -> (u32, u32) {
    match kind {
        ChartKind::Costs => costs_data(r).size(),
        ChartKind::Traffic => traffic_data(r).size(),
        ChartKind::BreakEven => break_even_data(r).size(),
        ChartKind::Time => time_data(r).size(),
    }
}

/// The chart as an SVG document.
pub fn svg(r: &Report, kind: ChartKind) -> Result<String> {
    register_fonts();
    let size = size_of(r, kind);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw_kind(r, kind, &root)?;
    }
    Ok(out)
}

/// The chart as PNG bytes (RGB, 8 bits).
pub fn png(r: &Report, kind: ChartKind) -> Result<Vec<u8>> {
    register_fonts();
    let (w, h) = size_of(r, kind);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw_kind(r, kind, &root)?;
    }
    encode_png(&rgb, w, h)
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Default);
    let perr = |e: png::EncodingError| Error::Invalid(format!("cannot encode PNG: {e}"));
    let mut writer = enc.write_header().map_err(perr)?;
    writer.write_image_data(rgb).map_err(perr)?;
    writer.finish().map_err(perr)?;
    Ok(out)
}

/// The chart in `format`.
pub fn render(r: &Report, kind: ChartKind, format: ChartFormat) -> Result<Vec<u8>> {
    match format {
        ChartFormat::Png => png(r, kind),
        ChartFormat::Svg => svg(r, kind).map(String::into_bytes),
    }
}

/// Writes every chart as PNG and SVG into `dir/charts/` (fixed file names).
pub fn write_charts(r: &Report, dir: &Path) -> Result<Vec<PathBuf>> {
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts).map_err(|source| Error::Write {
        path: charts.clone(),
        source,
    })?;
    // Drawn (and PNG-compressed) on all cores; written in a fixed order.
    use rayon::prelude::*;
    let jobs: Vec<(ChartKind, ChartFormat)> = ChartKind::ALL
        .into_iter()
        .flat_map(|kind| [ChartFormat::Png, ChartFormat::Svg].map(|format| (kind, format)))
        .collect();
    let drawn: Vec<Result<Vec<u8>>> = jobs
        .par_iter()
        .map(|&(kind, format)| render(r, kind, format))
        .collect();
    let mut written = Vec::new();
    for ((kind, format), bytes) in jobs.into_iter().zip(drawn) {
        let name = format!("{}.{}", kind.stem(), format.extension());
        super::write_file(&charts, &name, &bytes?)?;
        written.push(charts.join(name));
    }
    Ok(written)
}
