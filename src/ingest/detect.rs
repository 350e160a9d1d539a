//! Which reader a file needs: a path in, its kind recognised from its bytes (gzip or plain;
//! Parquet; CSV; CloudWatch Logs export, subscription or OCSF JSON; flow-log text) and its
//! records fed to that reader's [`Scanner`]; the file's [`FileScan`] out.

use std::io::{Read, Seek};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use super::format::RecordFormat;
use super::scan::{FileScan, ScanSettings, Scanner, MAX_LINE_BYTES};
use super::{cloudwatch, csv_logs, ocsf, parquet};
use crate::error::{Error, Result};
use crate::source::{Input, Opener};

/// Reads one file and aggregates its records. The kind is recognised from the content, not the
/// name: gzip or plain; Parquet; flow-log text (header line, `--log-format` or default v2, lines
/// optionally prefixed by an ISO timestamp as in CloudWatch exports) or CloudWatch Logs JSON
/// (`aws logs filter-log-events` output, or JSON lines with a `message` field).
pub fn scan_file(path: &Path, settings: &ScanSettings) -> Result<FileScan> {
    scan_file_partial(path, settings).map_err(|(e, _)| e)
}

/// [`scan_file`], also saying on failure how many records were read before the fault.
pub fn scan_file_partial(
    path: &Path,
    settings: &ScanSettings,
) -> std::result::Result<FileScan, (Error, u64)> {
    let input = Input::Local(path.to_path_buf());
    scan_input_partial(&input, &Opener::default(), settings)
}

/// [`scan_file_partial`] for a local file or an S3 object.
pub fn scan_input_partial(
    input: &Input,
    opener: &Opener,
    settings: &ScanSettings,
) -> std::result::Result<FileScan, (Error, u64)> {
    let path = input.path();
    let mut scanner = Scanner::new(&path, settings);
    match scan_into(input, opener, settings, &mut scanner) {
        Ok(()) => Ok(scanner.finish()),
        Err(e) => Err((e, scanner.out.accounting.categorised())),
    }
}

fn scan_into(
    input: &Input,
    opener: &Opener,
    settings: &ScanSettings,
    scanner: &mut Scanner<'_>,
) -> Result<()> {
    let path = &input.path();
    let read_err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    crate::interrupt::check()?;
    let file = opener.open(input)?;
    let mut file = Counting {
        inner: file,
        bar: settings.progress.clone(),
    };
    let mut magic = [0u8; 4];
    let got = read_full(&mut file, &mut magic).map_err(read_err)?;
    let head = &magic[..got];
    if head == b"PAR1" {
        match input {
            Input::Local(_) => {
                drop(file);
                parquet::scan(path, scanner)?;
                if let Some(bar) = &settings.progress {
                    bar.inc(input.size().saturating_sub(4));
                }
            }
            Input::S3(_) => {
                // Parquet needs random access: the object is read into memory (bounded).
                let size = input.size();
                if size > crate::source::s3::MAX_PARQUET_BYTES {
                    return Err(Error::Format {
                        path: path.to_path_buf(),
                        reason: format!(
                            "a Parquet object of {size} bytes is larger than the {} bytes read into memory: copy it to disk and name the file",
                            crate::source::s3::MAX_PARQUET_BYTES
                        ),
                    });
                }
                let mut bytes = Vec::with_capacity(size as usize);
                bytes.extend_from_slice(head);
                file.read_to_end(&mut bytes).map_err(read_err)?;
                parquet::scan_reader(path, std::io::Cursor::new(bytes), scanner)?;
            }
        }
        return Ok(());
    }
    let gz = head.len() >= 2 && head[..2] == [0x1f, 0x8b];
    let gz_err = |source| Error::Gzip {
        path: path.to_path_buf(),
        source,
    };
    if let Some(limit) = settings
        .spill
        .whole_gzip_bytes
        .filter(|&l| gz && fits_whole(input, l))
    {
        // Small enough to hold: read it whole and inflate it in one call. Anything the one
        // call does not take (several gzip members, a trailer that does not match, corrupt
        // data) is read as a stream instead, so the records and the error are the stream's.
        // The two buffers are the thread's, kept from file to file (no fresh pages to fault in).
        let (mut compressed, mut inflated) = WHOLE.with(|w| std::mem::take(&mut *w.borrow_mut()));
        compressed.clear();
        compressed.reserve_exact(input.size() as usize + 1);
        compressed.extend_from_slice(head);
        file.read_to_end(&mut compressed).map_err(read_err)?;
        let result = if inflate_whole(&compressed, limit, &mut inflated) {
            read_slice(scanner, &inflated, gz_err, "gzip")
        } else {
            let mut reader = MultiGzDecoder::new(compressed.as_slice());
            read(scanner, &mut reader, gz_err, "gzip")
        };
        WHOLE.with(|w| *w.borrow_mut() = (compressed, inflated));
        return result;
    }
    let chained = std::io::Cursor::new(head.to_vec()).chain(file);
    // The inflater takes its input 1 MiB at a time (the default 32 KiB costs it 3% more
    // instructions, measured on 51 MB files).
    let inflating = |r| MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 20, r));
    if gz && settings.pipeline {
        let mut reader = Pipelined::new(inflating(chained));
        read(scanner, &mut reader, gz_err, "gzip")?;
    } else if gz {
        let mut reader = inflating(chained);
        read(scanner, &mut reader, gz_err, "gzip")?;
    } else {
        let mut reader = chained;
        read(scanner, &mut reader, read_err, "plain")?;
    }
    Ok(())
}

/// Whether a gzip input may be worth reading whole under `limit` bytes: a local file whose
/// size and inflated size (its trailer's) fit; an S3 object (whose trailer would cost a request)
/// of at most a fifth of the limit (flow logs inflate about fourfold).
fn fits_whole(input: &Input, limit: u64) -> bool {
    let size = input.size();
    match input {
        Input::Local(path) => {
            let inflated = (|| {
                let mut f = std::fs::File::open(path).ok()?;
                f.seek(std::io::SeekFrom::End(-4)).ok()?;
                let mut trailer = [0u8; 4];
                f.read_exact(&mut trailer).ok()?;
                Some(u64::from(u32::from_le_bytes(trailer)))
            })();
            inflated.is_some_and(|n| size.saturating_add(n) <= limit)
        }
        Input::S3(_) => size <= limit / 5,
    }
}

thread_local! {
    /// A reading thread's buffers for gzip files read whole: the file, and its text.
    static WHOLE: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Frees the calling thread's buffers for gzip files read whole (after the scan).
pub(super) fn release_buffers() {
    WHOLE.with(|w| *w.borrow_mut() = Default::default());
}

/// Inflates `gz` in one call into `out` (replacing its contents), when it is one gzip member
/// whose inflated size (from its trailer) with `gz` itself is at most `limit` bytes and it
/// inflates without error to exactly that size; `false` otherwise.
pub fn inflate_whole(gz: &[u8], limit: u64, out: &mut Vec<u8>) -> bool {
    out.clear();
    let n = gz.len();
    // A gzip member is at least a 10-byte header and an 8-byte trailer.
    if n < 18 {
        return false;
    }
    let size = u32::from_le_bytes([gz[n - 4], gz[n - 3], gz[n - 2], gz[n - 1]]) as usize;
    if (n as u64).saturating_add(size as u64) > limit {
        return false;
    }
    out.reserve_exact(size);
    let (mut used_in, mut used_out) = (0usize, 0usize);
    // SAFETY: the decompressor is checked for null and freed once; the input pointer and
    // length come from a live slice, the output pointer is the vector's spare capacity of at
    // least `size` bytes (reserved above), and libdeflate reads and writes within those
    // lengths; the two counts are plain out-parameters.
    let result = unsafe {
        let d = libdeflate_sys::libdeflate_alloc_decompressor();
        if d.is_null() {
            return false;
        }
        let r = libdeflate_sys::libdeflate_gzip_decompress_ex(
            d,
            gz.as_ptr().cast(),
            n,
            out.spare_capacity_mut().as_mut_ptr().cast(),
            size,
            &mut used_in,
            &mut used_out,
        );
        libdeflate_sys::libdeflate_free_decompressor(d);
        r
    };
    // Success means the member's CRC-32 and size matched; anything after it (another member)
    // is left to the stream reader.
    let whole = result == libdeflate_sys::libdeflate_result_LIBDEFLATE_SUCCESS
        && used_in == n
        && used_out == size;
    if whole {
        // SAFETY: on success libdeflate has written `used_out` bytes (checked equal to `size`,
        // within the capacity reserved above) at the start of the spare capacity.
        unsafe { out.set_len(used_out) };
    }
    whole
}

/// [`read`] for text in memory: flow-log text is read in place.
fn read_slice(
    scanner: &mut Scanner<'_>,
    text: &[u8],
    err: impl Fn(std::io::Error) -> Error,
    compression: &str,
) -> Result<()> {
    if !is_flow_text(&text[..text.len().min(4096)], &scanner.base_format()) {
        return read(scanner, &mut &text[..], err, compression);
    }
    scanner.text_slice(text, compression)
}

/// Whether the first bytes of a text open a JSON document (a CloudWatch Logs export or
/// subscription, OCSF).
fn is_json(head: &[u8]) -> bool {
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
}

/// Whether the first bytes of a text are flow-log text lines: not JSON, not comma-separated
/// (with a header, or without one in `base`'s columns).
fn is_flow_text(head: &[u8], base: &RecordFormat) -> bool {
    !is_json(head) && csv_logs::header(head).is_none() && csv_logs::headerless(head, base).is_none()
}

/// Peeks at the first bytes of a decompressed stream and hands it to its reader.
fn read<R: Read>(
    scanner: &mut Scanner<'_>,
    reader: &mut R,
    err: impl Fn(std::io::Error) -> Error,
    compression: &str,
) -> Result<()> {
    let mut buf = vec![0u8; MAX_LINE_BYTES];
    let mut filled = 0usize;
    // Peek at the first bytes: a JSON document is a CloudWatch Logs export.
    while filled < 4096 {
        match reader.read(&mut buf[filled..4096]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(err(e)),
        }
    }
    if is_json(&buf[..filled]) {
        // Read whole, up to a limit: a small file may inflate to any size.
        let mut all = buf[..filled].to_vec();
        drop(buf);
        let limit = crate::bounded::max_document_bytes();
        crate::bounded::read_to_end_capped(reader, &mut all, limit)
            .map_err(|e| e.into_error(scanner.path(), &err))?;
        return json(scanner, &all, compression);
    }
    let csv = match csv_logs::header(&buf[..filled]) {
        Some(format) => Some((format, true)),
        None => csv_logs::headerless(&buf[..filled], &scanner.base_format()).map(|f| (f, false)),
    };
    if let Some((format, header)) = csv {
        let head = std::io::Cursor::new(buf[..filled].to_vec());
        let capped = crate::bounded::CappedRecords::new(head.chain(reader), MAX_LINE_BYTES);
        return csv_logs::scan(scanner, capped, format, header, compression, &err);
    }
    scanner.text(reader, buf, filled, err, compression)
}

/// A JSON document: a CloudWatch Logs subscription payload, OCSF records, or an export.
fn json(scanner: &mut Scanner<'_>, bytes: &[u8], compression: &str) -> Result<()> {
    if cloudwatch::is_subscription(bytes) {
        return cloudwatch::scan(scanner, bytes, compression);
    }
    if ocsf::is_ocsf(bytes) {
        return ocsf::scan(scanner, bytes, compression);
    }
    scanner.cloudwatch_export(bytes, compression)
}

/// Smallest plain-text file `analyze` cuts into byte ranges ([`scan_split`]).
pub const SPLIT_MIN_BYTES: u64 = 64 << 20;

/// A large local plain-text flow-log file read as `parts` byte ranges in parallel, each cut at
/// a line end, for when there are fewer files than cores: the scans of its ranges, in order,
/// with line numbers counted from the start of the file. `None` when the file is not one to cut
/// (compressed, Parquet, JSON, comma-separated, or under `min_bytes`): the caller reads it
/// whole.
///
/// Each range after the first starts in the format of the file's first line (its header
/// line, `--log-format` or the default); if any range meets a header line that changes the
/// format, the file is read again from the start as one range, so the result is always that of
/// reading it whole.
#[allow(clippy::type_complexity)]
pub fn scan_split(
    path: &Path,
    settings: &ScanSettings,
    parts: usize,
    min_bytes: u64,
) -> Option<std::result::Result<Vec<FileScan>, (Error, u64)>> {
    use rayon::prelude::*;
    let size = std::fs::metadata(path).ok()?.len();
    if parts < 2 || size < min_bytes.max(1) {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut head = vec![0u8; 4096];
    let got = read_full(&mut file, &mut head).ok()?;
    let head = &head[..got];
    if head.iter().all(|b| b.is_ascii_whitespace())
        || head.starts_with(&[0x1f, 0x8b])
        || head.starts_with(b"PAR1")
        || !is_flow_text(head, &settings.base_format())
    {
        return None;
    }
    // The format a range after the first starts in.
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let header = std::str::from_utf8(first_line.strip_suffix(b"\r").unwrap_or(first_line))
        .ok()
        .and_then(super::format::parse_header)
        .filter(|f| f.unusable_reason().is_none());
    let initial = header.clone().or_else(|| settings.log_format.clone());
    // Cut points: the first line end at or after each even share of the file.
    let mut cuts = vec![0u64];
    for k in 1..parts as u64 {
        let at = size * k / parts as u64;
        let mut window = vec![0u8; 1 << 16];
        file.seek(std::io::SeekFrom::Start(at)).ok()?;
        let n = read_full(&mut file, &mut window).ok()?;
        if let Some(nl) = memchr::memchr(b'\n', &window[..n]) {
            let cut = at + nl as u64 + 1;
            if cut > *cuts.last().expect("starts with 0") && cut < size {
                cuts.push(cut);
            }
        }
    }
    cuts.push(size);
    if cuts.len() < 3 {
        return None;
    }
    let ranges: Vec<(u64, u64)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
    let scans: Vec<std::result::Result<FileScan, (Error, u64)>> = ranges
        .par_iter()
        .enumerate()
        .map(|(i, &(start, end))| {
            let mut scanner = Scanner::new(path, settings);
            if i > 0 {
                if let Some(format) = &header {
                    scanner.set_known_format(format.clone(), String::new());
                }
                scanner.continue_file();
            }
            let read_err = |source| Error::Read {
                path: path.to_path_buf(),
                source,
            };
            let result = (|| {
                let mut f = std::fs::File::open(path).map_err(read_err)?;
                f.seek(std::io::SeekFrom::Start(start)).map_err(read_err)?;
                let mut range = Counting {
                    inner: f.take(end - start),
                    bar: settings.progress.clone(),
                };
                if i == 0 {
                    read(&mut scanner, &mut range, read_err, "plain")
                } else {
                    scanner.text(&mut range, vec![0u8; MAX_LINE_BYTES], 0, read_err, "plain")
                }
            })();
            match result {
                Ok(()) => Ok(scanner.finish()),
                Err(e) => Err((e, scanner.out.accounting.categorised())),
            }
        })
        .collect();
    let mut out = Vec::with_capacity(scans.len());
    let mut records = 0u64;
    let mut fault = None;
    for scan in scans {
        match scan {
            Ok(scan) => {
                records += scan.accounting.categorised();
                out.push(scan);
            }
            Err((e, n)) => {
                records += n;
                fault.get_or_insert(e);
            }
        }
    }
    if let Some(e) = fault {
        return Some(Err((e, records)));
    }
    let initial_description = initial
        .map(|f| f.description)
        .unwrap_or_else(|| super::format::RecordFormat::default_v2().description);
    if out
        .iter()
        .any(|s| s.formats.iter().any(|(d, _)| *d != initial_description))
    {
        // The format changes inside the file: ranges after the change were read in the
        // wrong one. The caller reads it again: its bytes are counted again.
        if let Some(bar) = &settings.progress {
            bar.dec(size);
        }
        return None;
    }
    // Line numbers from the start of the file; the first few issues of the file, as a whole
    // read keeps them.
    let (mut lines, mut kept) = (0u64, 0usize);
    for scan in &mut out {
        for issue in &mut scan.issues {
            issue.line += lines;
        }
        scan.issues
            .truncate(super::scan::MAX_ISSUES_PER_FILE.saturating_sub(kept));
        kept += scan.issues.len();
        lines += scan.accounting.lines;
    }
    Some(Ok(out))
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A reader whose data is produced on another thread, 1 MiB at a time, so decompression and
/// parsing overlap.
struct Pipelined {
    rx: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
}

impl Pipelined {
    fn new<R: Read + Send + 'static>(mut inner: R) -> Pipelined {
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        std::thread::spawn(move || loop {
            let mut buf = vec![0u8; 1 << 20];
            let mut filled = 0;
            let result = loop {
                match inner.read(&mut buf[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        filled += n;
                        if filled == buf.len() {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            buf.truncate(filled);
            let last = filled == 0;
            // The data read before an error goes first: its records count as a stream's do.
            let sent = (last && result.is_err()) || tx.send(Ok(buf)).is_ok();
            // Stop at the end of the data, on an error, or when the reader is gone.
            match result {
                Err(e) => {
                    if sent {
                        let _ = tx.send(Err(e));
                    }
                    return;
                }
                Ok(()) if last || !sent => return,
                Ok(()) => {}
            }
        });
        Pipelined {
            rx,
            current: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for Pipelined {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.current.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.current.len() - self.pos);
        out[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Counts the bytes read from disk into the progress bar.
struct Counting<R> {
    inner: R,
    bar: Option<indicatif::ProgressBar>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// The pipelined reader hands on what it read before an error, then the error (it used to
    /// drop up to 1 MiB read before it, so a file cut short counted fewer records when it was
    /// read on a thread of its own).
    #[test]
    fn pipelined_reads_keep_the_data_before_an_error() {
        struct CutShort(usize);
        impl Read for CutShort {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                match self.0 {
                    0 => Err(std::io::Error::other("cut short")),
                    left => {
                        let n = left.min(buf.len()).min(1000);
                        buf[..n].fill(b'x');
                        self.0 -= n;
                        Ok(n)
                    }
                }
            }
        }
        for size in [
            0,
            1,
            999,
            1000,
            5000,
            (1 << 20) - 1,
            1 << 20,
            (1 << 20) + 1,
            3 << 20,
        ] {
            let mut reader = Pipelined::new(CutShort(size));
            let mut got = Vec::new();
            let mut buf = vec![0u8; 64 << 10];
            let err = loop {
                match reader.read(&mut buf) {
                    Ok(0) => panic!("{size}: the end came before the error"),
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) => break e,
                }
            };
            assert_eq!(err.to_string(), "cut short", "{size}");
            assert_eq!(got.len(), size, "{size}");
            assert!(got.iter().all(|&b| b == b'x'), "{size}");
        }
    }

    /// Text inflated whole is read in place with the same lines, numbers and limits as the
    /// buffered reader: lines around the longest allowed, blank lines, CRLF, no final newline.
    #[test]
    fn text_read_in_place_reads_as_the_stream_does() {
        let good = "2 123456789012 eni-1 10.0.0.1 52.94.1.1 40000 443 6 2 100 1793491200 1793491260 ACCEPT OK";
        let mut text = String::new();
        text.push_str(good);
        text.push_str("\n\n\r\n");
        for len in [MAX_LINE_BYTES - 1, MAX_LINE_BYTES, MAX_LINE_BYTES + 7] {
            text.push_str(&"x".repeat(len));
            text.push('\n');
            text.push_str(good);
            text.push_str("\r\n");
        }
        text.push_str("2 bad line\n");
        text.push_str(&"y".repeat(MAX_LINE_BYTES + 3));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log.gz");
        std::fs::write(&path, gzip(text.as_bytes())).unwrap();
        let scan = |whole: Option<u64>| {
            let mut settings = ScanSettings::for_region("us-east-1");
            settings.spill.whole_gzip_bytes = whole;
            let s = scan_file_partial(&path, &settings).unwrap();
            let issues: Vec<String> = s
                .issues
                .iter()
                .map(|i| format!("{}: {}", i.line, i.reason))
                .collect();
            (
                s.accounting.clone(),
                issues,
                s.detected.clone(),
                s.flows.len(),
            )
        };
        let stream = scan(None);
        assert_eq!(stream.0.accepted, 4, "{stream:?}");
        assert_eq!(stream.0.malformed, 5, "{stream:?}");
        assert_eq!(scan(Some(u64::MAX)), stream);
    }

    /// Each record's flow goes to its own context (VPC, AZ, interface, service hint), with
    /// contexts interleaved record by record and more of them than the recent-context slots
    /// (so slots collide), some differing only in the VPC, the AZ, the hint or an early byte of
    /// the interface ID.
    #[test]
    fn interleaved_contexts_keep_each_record_s_own() {
        let header = "version vpc-id az-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status pkt-dst-aws-service";
        let mut text = format!("{header}\n");
        let mut want: std::collections::BTreeMap<(String, String, String, String), u64> =
            Default::default();
        // And each record's bytes in its (VPC, hour) of the hourly series, with more keys than
        // the series' recent slots.
        let mut want_hours: std::collections::BTreeMap<(String, u32), u64> = Default::default();
        let hints = ["-", "S3", "EC2", "AMAZON", "DYNAMODB"];
        for r in 0..60_000u64 {
            // Runs of four records of one interface and hint, then another interface.
            let i = (r / 4 * 7919) % 3001;
            // VPC and AZ vary apart from the interface (the recent slot is not keyed by them).
            let (vpc, az) = (
                format!("vpc-{:017x}", r % 3),
                format!("use1-az{}", r / 2 % 2 + 1),
            );
            // IDs that share their last bytes and differ in the first ones.
            let eni = format!("eni-{:x}00000000000000{:03}", i % 16, i / 16);
            let hint = hints[(r / 4 % 5) as usize];
            let bytes = 1000 + i;
            let start = 1793491200 + (r / 2 % 97) * 3600;
            text.push_str(&format!(
                "2 {vpc} {az} {eni} 10.0.0.1 52.94.1.{} 40000 443 6 1 {bytes} {start} {} ACCEPT OK {hint}\n",
                i % 250,
                start + 60
            ));
            *want_hours
                .entry((vpc.clone(), (start / 3600) as u32))
                .or_default() += bytes;
            *want
                .entry((
                    vpc,
                    az,
                    eni,
                    if hint == "-" {
                        String::new()
                    } else {
                        hint.to_string()
                    },
                ))
                .or_default() += bytes;
        }
        // Two contexts of one interface that differ only in the hint and share a slot.
        let eni = "eni-0123456789abcdef0";
        let slot = |hint: &str| {
            let raw = [
                None,
                None,
                None,
                Some(eni.as_bytes()),
                Some(hint.as_bytes()),
            ];
            super::super::scan::recent_slot(&raw)
        };
        let mut seen = std::collections::HashMap::new();
        let pair = (0..100_000)
            .map(|m| format!("SERVICE{m}"))
            .find_map(|h| seen.insert(slot(&h), h.clone()).map(|other| [other, h]))
            .expect("a slot shared by two hints");
        for r in 0..100u64 {
            let hint = &pair[(r % 2) as usize];
            text.push_str(&format!(
                "2 vpc-1 use1-az1 {eni} 10.0.0.1 52.94.1.1 40000 443 6 1 7 1793491200 1793491260 ACCEPT OK {hint}\n"
            ));
            *want
                .entry(("vpc-1".into(), "use1-az1".into(), eni.into(), hint.clone()))
                .or_default() += 7;
            *want_hours
                .entry(("vpc-1".into(), 1793491200 / 3600))
                .or_default() += 7;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        std::fs::write(&path, text).unwrap();
        let mut s = scan_file_partial(&path, &ScanSettings::for_region("us-east-1")).unwrap();
        assert_eq!(s.accounting.accepted, 60_100);
        let contexts = s.contexts.items().to_vec();
        let mut got: std::collections::BTreeMap<(String, String, String, String), u64> =
            Default::default();
        for (key, sums) in s.flows.drain().collect::<Vec<_>>() {
            let c = contexts[key.ctx as usize];
            let name = |id: u32| s.interner.name(id).to_string();
            *got.entry((name(c.vpc), name(c.az), name(c.interface), name(c.hint)))
                .or_default() += sums.bytes;
        }
        assert!(want.len() > 2 * 1024, "{} contexts", want.len());
        assert_eq!(got, want);

        let mut settings = ScanSettings::for_region("us-east-1");
        settings.classes = Some(std::sync::Arc::new(
            crate::classify::ipranges::IpRanges::embedded().unwrap(),
        ));
        let s = scan_file_partial(&path, &settings).unwrap();
        let mut got_hours: std::collections::BTreeMap<(String, u32), u64> = Default::default();
        for (key, bytes) in &s.series {
            *got_hours
                .entry((s.interner.name(key.vpc).to_string(), key.hour))
                .or_default() += bytes;
        }
        assert!(s.series.len() > 256, "{} series keys", s.series.len());
        assert_eq!(got_hours, want_hours);
    }

    #[test]
    fn one_member_inflates_whole_and_anything_else_is_left_to_the_stream() {
        let text: Vec<u8> = (0..5000)
            .flat_map(|i| {
                format!(
                    "2 123456789012 eni-{i:08x} 10.0.0.1 52.94.1.{} 443\n",
                    i % 250
                )
                .into_bytes()
            })
            .collect();
        let gz = gzip(&text);
        let whole = |gz: &[u8], limit: u64| {
            let mut out = b"left over".to_vec();
            let ok = inflate_whole(gz, limit, &mut out);
            assert!(ok || out.is_empty());
            ok.then_some(out)
        };
        assert_eq!(whole(&gz, u64::MAX).as_deref(), Some(&text[..]));
        // Over the limit: not inflated whole.
        let limit = (gz.len() + text.len()) as u64;
        assert!(whole(&gz, limit).is_some());
        assert!(whole(&gz, limit - 1).is_none());
        // Two members of equal size (the trailer's size matches the first one too): the one
        // call would stop after the first, so the file goes to the stream reader.
        let twice = [gz.clone(), gz.clone()].concat();
        assert!(whole(&twice, u64::MAX).is_none());
        // Trailing bytes, a flipped bit, a cut: the stream reader's business.
        assert!(whole(&[gz.clone(), vec![0; 4]].concat(), u64::MAX).is_none());
        let mut bad = gz.clone();
        bad[gz.len() / 2] ^= 0x10;
        assert!(whole(&bad, u64::MAX).is_none());
        assert!(whole(&gz[..gz.len() - 1], u64::MAX).is_none());
        assert!(whole(&gz[..10], u64::MAX).is_none());
        assert!(whole(&[], u64::MAX).is_none());
        // The empty text is one valid member.
        assert_eq!(whole(&gzip(b""), u64::MAX).as_deref(), Some(&b""[..]));
    }
}
