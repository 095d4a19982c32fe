//! Numbers for a terminal: thousands separated by a space, as French texts write them.

/// A whole number with its thousands separated: `-1 234 567`.
pub fn thousands(value: f64) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    let rounded = value.round();
    let digits = format!("{}", rounded.abs() as u128);
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    if rounded < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// A decimal as written, its whole part with separated thousands: `1 250 000.5`.
pub fn decimal(value: rust_decimal::Decimal) -> String {
    let text = value.normalize().to_string();
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let sign = if whole.starts_with('-') { "-" } else { "" };
    let grouped = thousands(whole.trim_start_matches('-').parse::<f64>().unwrap_or(0.0));
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A number with a fixed count of decimals, its whole part with separated thousands.
pub fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{:.decimals$}", value.abs());
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    if !text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        return "0".to_string();
    }
    let grouped = thousands(whole.parse::<f64>().unwrap_or(0.0));
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A value shown as precisely as it deserves: amounts and counts to the unit, small numbers
/// (point values, indices) with their significant decimals.
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs();
    if magnitude >= 100.0 || value.fract() == 0.0 {
        thousands(value)
    } else if magnitude >= 1.0 {
        trim_zeros(format!("{value:.2}"))
    } else {
        // Four significant digits: 0.001234.
        let decimals = (3 - magnitude.log10().floor() as i32).clamp(4, 12) as usize;
        trim_zeros(format!("{value:.decimals$}"))
    }
}

/// A difference, always signed: `+1 234`, `-56`, `0`.
pub fn signed(value: f64) -> String {
    let text = number(value);
    if text.trim_start_matches('-') == "0" {
        "0".to_string()
    } else if value > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// A ratio as a signed percentage with two decimals: `+1.25 %`; `—` when undefined.
pub fn percent_change(difference: f64, baseline: f64) -> String {
    if baseline == 0.0 || !difference.is_finite() || !baseline.is_finite() {
        return if difference == 0.0 { "0.00 %".to_string() } else { "—".to_string() };
    }
    let ratio = 100.0 * difference / baseline.abs();
    let text = format!("{ratio:.2} %");
    if ratio > 0.0 && text != "0.00 %" {
        format!("+{text}")
    } else if text == "-0.00 %" {
        "0.00 %".to_string()
    } else {
        text
    }
}

/// A fraction as a percentage: 0.0525 → `5.25 %`.
pub fn percent(fraction: f64) -> String {
    trim_zeros(format!("{:.2}", 100.0 * fraction)) + " %"
}

fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Lays out rows in columns: the first left-aligned, the others right-aligned, two spaces
/// between columns, each line indented by `indent`.
pub fn table(header: &[&str], rows: &[Vec<String>], indent: usize) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = " ".repeat(indent);
        for (i, cell) in row.iter().enumerate().take(columns) {
            let pad = widths[i] - cell.chars().count();
            if i == 0 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("  ");
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(1_234_567.4), "1 234 567");
        assert_eq!(thousands(-1_000.0), "-1 000");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(0.0), "0");
    }

    #[test]
    fn numbers_keep_their_significant_decimals() {
        assert_eq!(number(2_218_271_476.0), "2 218 271 476");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(0.012345), "0.01235");
        assert_eq!(signed(150.0), "+150");
        assert_eq!(signed(-0.0), "0");
        assert_eq!(signed(-3.0), "-3");
    }

    #[test]
    fn decimals_as_written() {
        assert_eq!(decimal(rust_decimal::Decimal::new(-125_000_050, 2)), "-1 250 000.5");
        assert_eq!(fixed(0.0729166, 4), "0.0729");
        assert_eq!(fixed(-1234.5, 1), "-1 234.5");
    }

    #[test]
    fn percentages() {
        assert_eq!(percent_change(5.0, 200.0), "+2.50 %");
        assert_eq!(percent_change(0.0, 0.0), "0.00 %");
        assert_eq!(percent_change(1.0, 0.0), "—");
        assert_eq!(percent(0.05), "5 %");
    }

    #[test]
    fn tables_align() {
        let text = table(&["name", "value"], &[vec!["a".into(), "1 000".into()], vec!["bb".into(), "5".into()]], 2);
        assert_eq!(text, "  name  value\n  a     1 000\n  bb        5\n");
    }
}
