//! Lenient JSON: strict `serde_json` first; when that fails, one repair pass for the two slips
//! seen in hand-edited or documentation copies of AWS outputs (trailing commas, single-quoted
//! strings), then strict parsing again. The caller is told when a repair was needed.

use serde_json::Value;

/// A parsed document and whether it needed repair.
pub struct Parsed {
    pub value: Value,
    pub repaired: bool,
}

/// Parses `text` as one JSON document, repairing trailing commas and single-quoted strings
/// when strict parsing fails. The error is the strict parser's (line and column of the
/// original text) when even the repaired text does not parse.
pub fn parse(text: &str) -> Result<Parsed, serde_json::Error> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(Parsed {
            value,
            repaired: false,
        }),
        Err(strict) => match serde_json::from_str(&repair(text)) {
            Ok(value) => Ok(Parsed {
                value,
                repaired: true,
            }),
            Err(_) => Err(strict),
        },
    }
}

/// Rewrites `'text'` as `"text"` and drops commas that directly precede `}` or `]`, leaving
/// double-quoted strings untouched. Line breaks are kept, so positions stay comparable.
pub fn repair(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                // Copy a double-quoted string verbatim.
                out.push(c);
                i += 1;
                while i < chars.len() {
                    out.push(chars[i]);
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        out.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    if chars[i - 1] == '"' {
                        break;
                    }
                }
            }
            '\'' => {
                out.push('"');
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    match chars[i] {
                        '"' => out.push_str("\\\""),
                        '\\' if i + 1 < chars.len() => {
                            out.push('\\');
                            out.push(chars[i + 1]);
                            i += 1;
                        }
                        other => out.push(other),
                    }
                    i += 1;
                }
                out.push('"');
                i += 1;
            }
            ',' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if j < chars.len() && (chars[j] == '}' || chars[j] == ']') {
                    i += 1; // trailing comma: drop it
                } else {
                    out.push(c);
                    i += 1;
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_only_what_it_must() {
        let p = parse(r#"{"a": 1}"#).unwrap();
        assert!(!p.repaired);
        let p = parse("{\"a\": 'x\"y', \"b\": [1, 2,], \"c\": \"it's, ]\",\n}").unwrap();
        assert!(p.repaired);
        assert_eq!(p.value["a"], "x\"y");
        assert_eq!(p.value["b"], serde_json::json!([1, 2]));
        assert_eq!(p.value["c"], "it's, ]");
        let err = parse("{\"a\": }").err().unwrap();
        assert_eq!(err.line(), 1);
    }
}
