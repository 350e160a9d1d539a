//! Bounds on untrusted input, so that no file can exhaust memory: a whole document (JSON read
//! into memory, after decompression) in, its bytes or a "too large" error naming the limit out;
//! and a reader that passes CSV through record by record, cutting out any record longer than a
//! limit (counted by line, for the caller to report) so the CSV parser's buffers stay bounded.

use std::io::Read;
use std::path::Path;

use crate::error::Error;

/// Largest document read whole into memory (a JSON file, after decompression): 512 MiB, four
/// times the largest object Firehose writes. The environment variable
/// [`MAX_DOCUMENT_BYTES_ENV`] raises or lowers it.
pub const MAX_DOCUMENT_BYTES: u64 = 512 << 20;

/// Environment variable overriding [`MAX_DOCUMENT_BYTES`] (a number of bytes).
pub const MAX_DOCUMENT_BYTES_ENV: &str = "VPCE_ADVISOR_MAX_DOCUMENT_BYTES";

/// The document size limit in force: [`MAX_DOCUMENT_BYTES`] unless the environment says another.
pub fn max_document_bytes() -> u64 {
    std::env::var(MAX_DOCUMENT_BYTES_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(MAX_DOCUMENT_BYTES)
}

/// Why a document could not be read whole.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// It holds more bytes than the limit (the number).
    TooLarge(u64),
}

impl ReadError {
    /// This failure as the crate's error for `path`; `io` wraps a read or decompression error.
    pub fn into_error(self, path: &Path, io: impl FnOnce(std::io::Error) -> Error) -> Error {
        match self {
            ReadError::Io(e) => io(e),
            ReadError::TooLarge(limit) => Error::Format {
                path: path.to_path_buf(),
                reason: too_large(limit),
            },
        }
    }
}

/// The reason given for a document over `limit` bytes.
pub fn too_large(limit: u64) -> String {
    format!(
        "larger than {limit} bytes (after decompression), the most read into memory as one document (set {MAX_DOCUMENT_BYTES_ENV} to raise the limit)"
    )
}

/// Appends everything `reader` holds to `out`, unless `out` would then hold more than `limit`
/// bytes: then leaves `out` as it was and says so. `out` never grows past `limit` bytes of
/// capacity, whatever the reader inflates to.
pub fn read_to_end_capped(
    mut reader: impl Read,
    out: &mut Vec<u8>,
    limit: u64,
) -> Result<(), ReadError> {
    let start = out.len();
    let limit_len = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut chunk = vec![0u8; 64 << 10];
    let result = loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(ReadError::Io(e)),
        };
        let need = out.len() + n;
        if need > limit_len {
            break Err(ReadError::TooLarge(limit));
        }
        if need > out.capacity() {
            // Double as `Vec` would, but never past the limit.
            let want = (out.capacity() * 2).clamp(need, limit_len);
            out.reserve_exact(want - out.len());
        }
        out.extend_from_slice(&chunk[..n]);
    };
    if result.is_err() {
        out.truncate(start);
        out.shrink_to_fit();
    }
    result
}

/// Reads the file at `path` whole (as it is on disk), up to [`max_document_bytes`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut out = Vec::new();
    read_to_end_capped(file, &mut out, max_document_bytes())?;
    Ok(out)
}

/// Where a CSV reader is in a record, enough to tell the newline that ends a record from one
/// inside a quoted field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CsvState {
    /// At the start of a field: a quote here opens a quoted field.
    FieldStart,
    /// In an unquoted field: quotes are literal.
    Unquoted,
    /// In a quoted field: newlines and commas are data.
    Quoted,
    /// Just after a quote in a quoted field: a second quote is an escaped one.
    AfterQuote,
}

/// Passes comma-separated data through unchanged, except that a record (up to a newline outside
/// quotes) longer than `limit` bytes is replaced by its newlines only, so the CSV parser reads it
/// as blank lines and line numbers stay right. The line each cut record started on is kept for
/// [`CappedRecords::take_cut_before`]. At most `limit` bytes of a record are held at a time.
pub struct CappedRecords<R> {
    inner: R,
    limit: usize,
    /// Bytes read from `inner` not yet scanned.
    input: Vec<u8>,
    input_pos: usize,
    /// The record being gathered (while it fits).
    record: Vec<u8>,
    /// Newlines inside the record being gathered or cut.
    record_newlines: usize,
    /// Whether the record being read is over the limit and being cut.
    cutting: bool,
    /// Line (1-based) on which the record being read started, and the line being read.
    record_line: u64,
    line: u64,
    state: CsvState,
    /// Scanned bytes ready for the CSV parser.
    ready: Vec<u8>,
    ready_pos: usize,
    eof: bool,
    /// Lines on which cut records started, in order.
    cut: Vec<u64>,
}

impl<R: Read> CappedRecords<R> {
    pub fn new(inner: R, limit: usize) -> CappedRecords<R> {
        CappedRecords {
            inner,
            limit,
            input: vec![0; 64 << 10],
            input_pos: 0,
            record: Vec::new(),
            record_newlines: 0,
            cutting: false,
            record_line: 1,
            line: 1,
            state: CsvState::FieldStart,
            ready: Vec::new(),
            ready_pos: 0,
            eof: false,
            cut: Vec::new(),
        }
    }

    /// The lines of the cut records that started before `line` (all of them for `u64::MAX`),
    /// removed from the list.
    pub fn take_cut_before(&mut self, line: u64) -> Vec<u64> {
        let n = self.cut.partition_point(|&l| l < line);
        self.cut.drain(..n).collect()
    }

    /// Ends the record being read (at a record-ending newline, or at the end of the input).
    fn end_record(&mut self) {
        if self.cutting {
            self.ready
                .extend(std::iter::repeat_n(b'\n', self.record_newlines));
            self.cutting = false;
        } else {
            self.ready.extend_from_slice(&self.record);
        }
        self.record.clear();
        self.record_newlines = 0;
        self.record_line = self.line;
        self.state = CsvState::FieldStart;
    }

    /// Scans `n` bytes of `input` from `input_pos`.
    fn scan(&mut self, n: usize) {
        for i in self.input_pos..self.input_pos + n {
            let b = self.input[i];
            if !self.cutting {
                self.record.push(b);
            }
            if b == b'\n' {
                self.line += 1;
                self.record_newlines += 1;
            }
            self.state = match (self.state, b) {
                (CsvState::Quoted, b'"') => CsvState::AfterQuote,
                (CsvState::Quoted, _) => CsvState::Quoted,
                (CsvState::FieldStart, b'"') | (CsvState::AfterQuote, b'"') => CsvState::Quoted,
                (_, b',') => CsvState::FieldStart,
                (_, b'\n' | b'\r') => {
                    self.end_record();
                    continue;
                }
                _ => CsvState::Unquoted,
            };
            if !self.cutting && self.record.len() > self.limit {
                self.cutting = true;
                self.cut.push(self.record_line);
                self.record.clear();
                self.record.shrink_to(self.limit);
            }
        }
    }
}

impl<R: Read> Read for CappedRecords<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.ready_pos == self.ready.len() {
            self.ready.clear();
            self.ready_pos = 0;
            if self.eof {
                return Ok(0);
            }
            let n = match self.inner.read(&mut self.input) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                self.eof = true;
                self.end_record();
            } else {
                self.input_pos = 0;
                self.scan(n);
            }
        }
        let n = out.len().min(self.ready.len() - self.ready_pos);
        out[..n].copy_from_slice(&self.ready[self.ready_pos..self.ready_pos + n]);
        self.ready_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(input: &[u8], limit: usize) -> (Vec<u8>, Vec<u64>) {
        // One byte at a time from the inner reader, to cross every boundary.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() || out.is_empty() {
                    return Ok(0);
                }
                out[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let mut r = CappedRecords::new(Trickle(input), limit);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        (out, r.take_cut_before(u64::MAX))
    }

    #[test]
    fn records_within_the_limit_pass_unchanged() {
        let text = b"a,b\n\"x\ny\",\"q\"\"\"\r\n1,2";
        assert_eq!(pass(text, 11), (text.to_vec(), vec![]));
        assert_eq!(pass(text, 10).1, vec![2]);
    }

    #[test]
    fn a_long_record_becomes_its_newlines() {
        let (out, cut) = pass(b"a,b\n1,2345678\n\"x\ny\nzzzzzzz\",1\n3,4\n5,6", 8);
        assert_eq!(out, b"a,b\n\n\n\n\n3,4\n5,6");
        assert_eq!(cut, vec![2, 3]);
        let (out, cut) = pass(b"a,b\n\"unterminated, 0123456789\n1,2\n", 8);
        assert_eq!((out.as_slice(), cut), (&b"a,b\n\n\n"[..], vec![2]));
    }

    #[test]
    fn cut_lines_are_taken_in_order() {
        let mut r = CappedRecords::new(&b"0123456789\nab\n0123456789\n"[..], 4);
        std::io::copy(&mut r, &mut std::io::sink()).unwrap();
        assert_eq!(r.take_cut_before(3), vec![1]);
        assert_eq!(r.take_cut_before(u64::MAX), vec![3]);
    }

    #[test]
    fn a_document_over_the_limit_is_too_large() {
        let mut out = b"{".to_vec();
        let zeros = std::io::repeat(0).take(1 << 20);
        assert!(matches!(
            read_to_end_capped(zeros, &mut out, 1000),
            Err(ReadError::TooLarge(1000))
        ));
        assert_eq!(out, b"{");
        read_to_end_capped(&b"12345"[..], &mut out, 6).unwrap();
        assert_eq!(out, b"{12345");
    }
}
