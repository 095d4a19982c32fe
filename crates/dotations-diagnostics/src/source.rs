//! Turning byte offsets into line/column locations.

use std::sync::Arc;

use crate::Location;

/// The text of one file, with the offsets of its line starts, to locate byte spans.
#[derive(Debug, Clone)]
pub struct SourceText {
    path: Arc<str>,
    text: Arc<str>,
    line_starts: Vec<usize>,
    /// Where the text starts in its file, when it is a piece of a larger file (a formula inside
    /// a YAML scenario): added to every reported line and column.
    line_offset: usize,
    column_offset: usize,
    /// For a quoted value on one line of its file, whose escapes (`\"`, `''`) make the text
    /// shorter than what the file holds: where each character is in the file.
    quoted: Option<Arc<QuotedLine>>,
}

/// A piece of one line, read from a quoted value: the file's line as written, and the column in
/// it of each character of the value (one more for the end).
#[derive(Debug)]
struct QuotedLine {
    line_text: String,
    columns: Vec<usize>,
}

impl SourceText {
    /// A file's text; a byte-order mark at its start (which some editors write) is dropped.
    pub fn new(path: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        let mut text: Arc<str> = text.into();
        if let Some(rest) = text.strip_prefix('\u{feff}') {
            text = rest.into();
        }
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        SourceText { path: path.into(), text, line_starts, line_offset: 0, column_offset: 0, quoted: None }
    }

    /// A piece of a larger file that starts at `line` (1-based) and whose lines are all indented
    /// by `indent` characters there (as in a YAML block scalar): locations point into the file.
    pub fn piece(path: impl Into<Arc<str>>, text: impl Into<Arc<str>>, line: usize, indent: usize) -> Self {
        SourceText { line_offset: line.saturating_sub(1), column_offset: indent, ..SourceText::new(path, text) }
    }

    /// A value quoted on one line of a larger file: `text` is the value as read (its escapes
    /// undone), `line_text` the file's line, and `columns` the 1-based column in that line of
    /// each character of `text`, then of its end. Locations point at what the file holds.
    ///
    /// ```
    /// use dotations_diagnostics::SourceText;
    ///
    /// // formula: "a + \"b\""  — the value is `a + "b"`, its `b` in column 17 of the file.
    /// let line = r#"formula: "a + \"b\"""#;
    /// let columns = vec![11, 12, 13, 14, 15, 17, 18, 20];
    /// let source = SourceText::quoted_piece("s.yaml", r#"a + "b""#, 6, line, columns);
    /// let location = source.location(5, 1);
    /// assert_eq!((location.line, location.column), (6, 17));
    /// assert_eq!(location.line_text.as_deref(), Some(line));
    /// ```
    pub fn quoted_piece(
        path: impl Into<Arc<str>>,
        text: impl Into<Arc<str>>,
        line: usize,
        line_text: impl Into<String>,
        columns: Vec<usize>,
    ) -> Self {
        let quoted = QuotedLine { line_text: line_text.into(), columns };
        SourceText { quoted: Some(Arc::new(quoted)), ..SourceText::piece(path, text, line, 0) }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The location of `length` bytes starting at byte `offset`. Offsets inside a character
    /// (a caller counting one byte for `é`) are moved to its start, and an end inside one to
    /// its end: a location never cuts a character.
    pub fn location(&self, offset: usize, length: usize) -> Location {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_index];
        let line_end = self.text[line_start..].find('\n').map_or(self.text.len(), |i| line_start + i);
        let line_text = &self.text[line_start..line_end];
        let column = self.text[line_start..offset].chars().count() + 1;
        let end = ceil_char_boundary(&self.text, (offset + length).min(line_end).max(offset));
        let length = self.text[offset..end].chars().count();
        if let Some(quoted) = &self.quoted {
            return quoted.location(&self.path, self.line_offset + 1, column - 1, length);
        }
        Location {
            file: self.path.clone(),
            line: line_index + 1 + self.line_offset,
            column: column + self.column_offset,
            length,
            line_text: Some(format!("{}{line_text}", " ".repeat(self.column_offset))),
        }
    }

    /// The location of a 1-based line and column (as YAML parsers report them).
    pub fn location_at_line(&self, line: usize, column: usize, length: usize) -> Location {
        let line_index = line.saturating_sub(1).min(self.line_starts.len() - 1);
        let line_start = self.line_starts[line_index];
        let line_end = self.text[line_start..].find('\n').map_or(self.text.len(), |i| line_start + i);
        if let Some(quoted) = &self.quoted {
            return quoted.location(&self.path, self.line_offset + 1, column.max(1) - 1, length);
        }
        Location {
            file: self.path.clone(),
            line: line_index + 1 + self.line_offset,
            column: column.max(1) + self.column_offset,
            length,
            line_text: Some(format!("{}{}", " ".repeat(self.column_offset), &self.text[line_start..line_end])),
        }
    }
}

impl QuotedLine {
    /// The location of `length` characters from character `start` of the value.
    fn location(&self, file: &Arc<str>, line: usize, start: usize, length: usize) -> Location {
        let column_of = |index: usize| self.columns.get(index).or(self.columns.last()).copied().unwrap_or(1);
        let column = column_of(start);
        Location {
            file: file.clone(),
            line,
            column,
            length: column_of(start + length).saturating_sub(column),
            line_text: Some(self.line_text.clone()),
        }
    }
}

/// The start of the character that holds byte `index` of `text`.
fn floor_char_boundary(text: &str, index: usize) -> usize {
    (0..=index).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0)
}

/// The end of the character that holds byte `index - 1` of `text` (`index` itself when it is a
/// boundary).
fn ceil_char_boundary(text: &str, index: usize) -> usize {
    (index..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_offsets_on_later_lines() {
        let source = SourceText::new("f.rules", "ab\ncdé fg\n");
        let location = source.location(8, 2);
        assert_eq!((location.line, location.column, location.length), (2, 5, 2));
        assert_eq!(location.line_text.as_deref(), Some("cdé fg"));
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_text() {
        let source = SourceText::new("t.yaml", "\u{feff}a: 1\n");
        assert_eq!(source.text(), "a: 1\n");
        assert_eq!(source.location(0, 1).column, 1);
    }

    #[test]
    fn a_piece_of_a_file_locates_in_the_file() {
        let source = SourceText::piece("s.yaml", "a +\nb", 10, 6);
        let location = source.location(4, 1);
        assert_eq!((location.line, location.column), (11, 7));
        assert_eq!(location.line_text.as_deref(), Some("      b"));
    }

    #[test]
    fn a_location_never_cuts_a_character() {
        // `é` is two bytes: a caller that counts one byte for it must not panic.
        let source = SourceText::new("target", "total(x) = é");
        let location = source.location(11, 1);
        assert_eq!((location.column, location.length), (12, 1));
        let location = source.location(12, 1);
        assert_eq!((location.column, location.length), (12, 1));
    }

    #[test]
    fn offset_at_end_of_file_is_on_last_line() {
        let source = SourceText::new("f.rules", "ab\ncd");
        let location = source.location(5, 0);
        assert_eq!((location.line, location.column), (2, 3));
    }
}
