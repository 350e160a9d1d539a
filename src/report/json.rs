//! JSON renderer: a [`Report`] in, `report.json` bytes out (pretty, stable key order).

use super::Report;
use crate::error::{Error, Result};

/// Renders the report as pretty JSON with a trailing newline.
pub fn render(report: &Report) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(report)
        .map_err(|e| Error::Invalid(format!("cannot serialise report: {e}")))?;
    out.push(b'\n');
    Ok(out)
}
