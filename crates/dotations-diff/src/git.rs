//! Reading the rule files of a git revision without touching the working tree.
//!
//! Only git's plumbing is used, run in the repository's top directory: `rev-parse` to resolve
//! the revision, `ls-tree` to list the files of `parameters/` and `formulas/` at that commit and
//! one `cat-file --batch` process to read them all. Nothing is checked out and nothing is
//! written, so a diff can run while the working tree holds uncommitted edits.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use dotations_diagnostics::Diagnostic;

/// The files of a rule tree at a commit: `(path relative to the repository root, text)`.
pub struct TreeFiles {
    /// An abbreviated commit id, for headings.
    pub short: String,
    pub files: Vec<(String, String)>,
}

/// Runs git with `args` in `dir` and returns its standard output, or a message saying why it
/// failed (git missing, or git's own error text).
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let output = Command::new("git").arg("-C").arg(dir).args(args).stderr(Stdio::piped()).output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            GitError::Missing
        } else {
            GitError::Failed(format!("cannot run git: {e}"))
        }
    })?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(GitError::Failed(String::from_utf8_lossy(&output.stderr).trim().to_string()))
    }
}

enum GitError {
    /// The `git` program is not installed (or not on `PATH`).
    Missing,
    /// git ran and refused, with its message.
    Failed(String),
}

fn missing_git(spec: &str) -> Diagnostic {
    Diagnostic::error(format!("`{spec}` is not a directory, and git is not installed to read it as a revision"))
        .with_help("install git, or give a rule directory holding parameters/ and formulas/")
}

/// The top directory of the git repository that holds `dir`.
pub fn toplevel(dir: &Path, spec: &str) -> Result<PathBuf, Diagnostic> {
    match git(dir, &["rev-parse", "--show-toplevel"]) {
        Ok(out) => Ok(PathBuf::from(String::from_utf8_lossy(&out).trim())),
        Err(GitError::Missing) => Err(missing_git(spec)),
        Err(GitError::Failed(_)) => Err(Diagnostic::error(format!(
            "`{spec}` is not a directory, and {} is not inside a git repository to read it as a revision",
            dir.display()
        ))
        .with_help(
            "give a rule directory holding parameters/ and formulas/, or run the command inside the repository",
        )),
    }
}

/// Lists and reads every `parameters/` and `formulas/` file under `prefix` (empty: the
/// repository root) at `revision`.
pub fn read_tree(top: &Path, spec: &str, revision: &str, prefix: &str) -> Result<TreeFiles, Diagnostic> {
    let commit =
        match git(top, &["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{revision}^{{commit}}")]) {
            Ok(out) => String::from_utf8_lossy(&out).trim().to_string(),
            Err(GitError::Missing) => return Err(missing_git(spec)),
            Err(GitError::Failed(_)) => {
                return Err(Diagnostic::error(format!(
                    "`{revision}` is neither a directory nor a revision of the git repository {}",
                    top.display()
                ))
                .with_help("give a commit, a branch or a tag (e.g. HEAD~1, main, a1b2c3d), or a rule directory")
                .with_help("to compare a sub-directory of a revision, write REV:path (e.g. HEAD:tests/model)"))
            }
        };
    let short = match git(top, &["rev-parse", "--short", &commit]) {
        Ok(out) => String::from_utf8_lossy(&out).trim().to_string(),
        Err(_) => commit.chars().take(7).collect(),
    };
    let join = |sub: &str| if prefix.is_empty() { sub.to_string() } else { format!("{prefix}/{sub}") };
    let (parameters, formulas) = (join("parameters"), join("formulas"));
    let listing = git(top, &["ls-tree", "-r", "-z", "--full-tree", &commit, "--", &parameters, &formulas])
        .map_err(|e| failed(spec, e))?;
    // Each entry is `<mode> <type> <object>\t<path>`, entries separated by NUL.
    let mut blobs: Vec<(String, String)> = Vec::new();
    for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else { continue };
        let mut fields = meta.split(' ');
        let (Some(mode), Some(kind), Some(object)) = (fields.next(), fields.next(), fields.next()) else { continue };
        // Symbolic links (mode 120000) hold a path, not a rule file.
        if kind == "blob" && mode != "120000" {
            blobs.push((object.to_string(), path.to_string()));
        }
    }
    for (sub, shown) in [(&parameters, "parameters/"), (&formulas, "formulas/")] {
        if !blobs.iter().any(|(_, path)| path.starts_with(&format!("{sub}/"))) {
            return Err(Diagnostic::error(format!("revision `{revision}` has no `{sub}/` directory")).with_help(
                format!(
                    "a rule tree holds `parameters/` and `formulas/`{}",
                    if prefix.is_empty() {
                        "; for rules in a sub-directory of the repository, write REV:path (e.g. HEAD:tests/model)"
                            .to_string()
                    } else {
                        format!(" (looked for {shown} under `{prefix}`)")
                    }
                ),
            ));
        }
    }
    let texts = cat_blobs(top, blobs.iter().map(|(object, _)| object.as_str())).map_err(|e| failed(spec, e))?;
    let mut files = Vec::with_capacity(blobs.len());
    for ((_, path), bytes) in blobs.into_iter().zip(texts) {
        match String::from_utf8(bytes) {
            Ok(text) => files.push((path, text)),
            Err(_) => return Err(Diagnostic::error(format!("{revision}:{path} is not valid UTF-8"))),
        }
    }
    Ok(TreeFiles { short, files })
}

fn failed(spec: &str, error: GitError) -> Diagnostic {
    match error {
        GitError::Missing => missing_git(spec),
        GitError::Failed(message) => Diagnostic::error(format!("git failed while reading `{spec}`: {message}")),
    }
}

/// Reads blobs by object id with one `git cat-file --batch`. The ids are written from another
/// thread, so that git never blocks on a full output pipe while we are still writing.
fn cat_blobs<'a>(top: &Path, objects: impl Iterator<Item = &'a str>) -> Result<Vec<Vec<u8>>, GitError> {
    let request: String = objects.map(|o| format!("{o}\n")).collect();
    let count = request.lines().count();
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| if e.kind() == std::io::ErrorKind::NotFound { GitError::Missing } else { io(e) })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut output = Vec::new();
    child.stdout.take().expect("stdout is piped").read_to_end(&mut output).map_err(io)?;
    let status = child.wait().map_err(io)?;
    writer.join().map_err(|_| GitError::Failed("the git cat-file writer failed".into()))?.map_err(io)?;
    if !status.success() {
        return Err(GitError::Failed("git cat-file failed".into()));
    }
    parse_batch(&output, count)
}

fn io(error: std::io::Error) -> GitError {
    GitError::Failed(error.to_string())
}

/// Splits `cat-file --batch` output: for each object, `<id> <type> <size>\n<content>\n`.
fn parse_batch(mut output: &[u8], count: usize) -> Result<Vec<Vec<u8>>, GitError> {
    let malformed = || GitError::Failed("unexpected output from git cat-file".into());
    let mut blobs = Vec::with_capacity(count);
    for _ in 0..count {
        let end = output.iter().position(|b| *b == b'\n').ok_or_else(malformed)?;
        let header = String::from_utf8_lossy(&output[..end]).to_string();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| GitError::Failed(format!("git cat-file: {header}")))?;
        let content = output.get(end + 1..end + 1 + size).ok_or_else(malformed)?;
        blobs.push(content.to_vec());
        output = output.get(end + 2 + size..).unwrap_or(&[]);
    }
    Ok(blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_output_is_split_by_sizes() {
        let output = b"aaa blob 3\nabc\nbbb blob 0\n\nccc blob 5\nx\ny\nz\n";
        let blobs = parse_batch(output, 3).ok().unwrap();
        assert_eq!(blobs, vec![b"abc".to_vec(), Vec::new(), b"x\ny\nz".to_vec()]);
    }

    #[test]
    fn a_missing_object_is_reported() {
        let output = b"deadbeef missing\n";
        match parse_batch(output, 1) {
            Err(GitError::Failed(message)) => assert!(message.contains("missing"), "{message}"),
            _ => panic!("a missing object must be an error"),
        }
    }
}
