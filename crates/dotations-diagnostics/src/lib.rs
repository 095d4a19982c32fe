//! Diagnostics shared by every crate of the engine.
//!
//! A [`Diagnostic`] is an error (or warning) as a value: a message, the place it comes from
//! (file, line, column and the text of that line, so it can be rendered without re-reading the
//! file) and help lines such as a did-you-mean. Loaders and compilers collect diagnostics in a
//! [`Diagnostics`] list instead of stopping at the first problem, so that a file with three
//! mistakes reports three. Rendering follows the rustc layout that Rust users already read:
//!
//! ```
//! use dotations_diagnostics::{Diagnostic, SourceText};
//!
//! let source = SourceText::new("formulas/demo.rules", "variable x : number\n  = populaton * 2\n");
//! let error = Diagnostic::error("unknown variable `populaton`")
//!     .at(source.location(24, 9))
//!     .with_help("did you mean `population`?");
//! let text = error.to_string();
//! assert!(text.contains("formulas/demo.rules:2:5"));
//! assert!(text.contains("^^^^^^^^^"));
//! ```
#![forbid(unsafe_code)]

use std::fmt;
use std::sync::Arc;

mod source;
mod suggest;

pub use source::SourceText;
pub use suggest::{closest, did_you_mean};

/// Where a diagnostic points: a file, a 1-based line and column, and how many characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (relative paths stay relative).
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Number of characters to underline (at least 1 when rendered).
    pub length: usize,
    /// The text of the line, when known, to show under the message.
    pub line_text: Option<String>,
}

impl Location {
    /// A location without the line's text (for files that are not kept in memory, e.g. a CSV).
    pub fn new(file: impl Into<Arc<str>>, line: usize, column: usize) -> Self {
        Location { file: file.into(), line, column, length: 1, line_text: None }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How serious a diagnostic is. Errors make a command fail; warnings are printed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the user's files or data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Boxed: diagnostics travel in `Result`s, which stay small this way.
    pub location: Option<Box<Location>>,
    /// Lines printed after the snippet as `= help: …` (did-you-mean, how to fix).
    pub help: Vec<String>,
    /// Lines printed as `= note: …` (context: e.g. the path of a dependency cycle).
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            help: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
    }

    /// Attaches the place the diagnostic points to.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(Box::new(location));
        self
    }

    /// Attaches a location if there is one.
    pub fn at_opt(mut self, location: Option<Location>) -> Self {
        self.location = location.map(Box::new);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// Adds a help line only when there is something to say (e.g. an optional did-you-mean).
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help.extend(help);
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Lines longer than this many characters are shown as a window of that many around the place
/// a diagnostic points at: a line of a megabyte in full would bury the message.
const SHOWN_CHARS: usize = 120;

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{kind}: {}", self.message)?;
        if let Some(location) = &self.location {
            let gutter = " ".repeat(location.line.to_string().len());
            writeln!(f, "{gutter}--> {location}")?;
            if let Some(text) = &location.line_text {
                let chars: Vec<char> = text.trim_end().chars().collect();
                let column = location.column.saturating_sub(1).min(chars.len());
                // A long line (a formula on one line, a scenario in JSON) is shown around the place.
                let (start, end) = match chars.len() > SHOWN_CHARS {
                    true => {
                        let start = column.saturating_sub(SHOWN_CHARS / 3).min(chars.len() - SHOWN_CHARS);
                        (start, start + SHOWN_CHARS)
                    }
                    false => (0, chars.len()),
                };
                let (before, after) = (if start > 0 { "…" } else { "" }, if end < chars.len() { "…" } else { "" });
                let shown: String = chars[start..end].iter().collect();
                writeln!(f, "{gutter} |")?;
                writeln!(f, "{} | {before}{shown}{after}", location.line)?;
                let pad: String = before
                    .chars()
                    .chain(chars[start..column].iter().copied())
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let marks = "^".repeat(location.length.clamp(1, end.saturating_sub(column).max(1)));
                writeln!(f, "{gutter} | {pad}{marks}")?;
            }
        }
        let gutter = self.location.as_ref().map_or(1, |l| l.line.to_string().len());
        let gutter = " ".repeat(gutter);
        for note in &self.notes {
            writeln!(f, "{gutter} = note: {note}")?;
        }
        for help in &self.help {
            writeln!(f, "{gutter} = help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// A list of diagnostics, e.g. every error found while checking a rule directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }

    /// Keeps the first diagnostic at each place (a cell that several readers of a file read is
    /// one mistake); those without a place are all kept.
    ///
    /// ```
    /// use dotations_diagnostics::{Diagnostic, Diagnostics, Location};
    ///
    /// let at = |column| Location::new("f.csv", 5, column);
    /// let mut diagnostics = Diagnostics::new();
    /// diagnostics.push(Diagnostic::error("`12x` is not a whole number").at(at(5)));
    /// diagnostics.push(Diagnostic::error("`12x` is not a number").at(at(5)));
    /// diagnostics.push(Diagnostic::error("`3y` is not a number").at(at(9)));
    /// assert_eq!(diagnostics.one_per_place().0.len(), 2);
    /// ```
    pub fn one_per_place(self) -> Diagnostics {
        let mut seen = std::collections::HashSet::new();
        let place = |d: &Diagnostic| d.location.as_ref().map(|l| (l.file.clone(), l.line, l.column));
        Diagnostics(self.0.into_iter().filter(|d| place(d).is_none_or(|p| seen.insert(p))).collect())
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// `Ok(value)` when no error was collected, else every diagnostic.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(value)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Diagnostics(vec![diagnostic])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        let errors = self.error_count();
        if errors > 1 {
            writeln!(f, "\n{errors} errors")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_shown_around_the_place_with_the_marks_under_it() {
        let line = format!("{}culprit{}", "a + ".repeat(250), " + b".repeat(250));
        let column = line.find("culprit").unwrap() + 1;
        let location = Location { line: 2, column, length: 7, ..Location::new("f.rules", 2, column) };
        let location = Location { line_text: Some(line), ..location };
        let text = Diagnostic::error("unknown variable `culprit`").at(location).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.iter().all(|l| l.chars().count() <= SHOWN_CHARS + 8), "{text}");
        let (shown, marks) = (lines[3], lines[4]);
        assert!(shown.starts_with("2 | …") && shown.ends_with('…'), "{shown}");
        let at = marks.find('^').unwrap();
        assert_eq!(shown.chars().skip(marks[..at].chars().count()).take(7).collect::<String>(), "culprit");
        assert_eq!(marks[at..].trim_end(), "^^^^^^^");
        // A short line is shown whole, as before.
        let short = Location { line_text: Some("  = a + b".into()), ..Location::new("f.rules", 2, 9) };
        assert_eq!(Diagnostic::error("x").at(short).to_string().lines().nth(3), Some("2 |   = a + b"));
    }
}
