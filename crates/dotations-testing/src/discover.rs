//! Which files a run reads: the files named, and every `*.yaml` / `*.yml` under a directory,
//! recursively, in path order (so that every run reports in the same order).

use std::path::{Path, PathBuf};

use dotations_diagnostics::Diagnostic;

/// The test files under `paths`, and an error for each path that cannot be read (with the path).
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, Diagnostic)>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            if let Err(e) = walk(path, &mut files) {
                errors.push((
                    path.clone(),
                    Diagnostic::error(format!("cannot read the directory {}: {e}", path.display())),
                ));
            }
            if files.len() == before {
                errors.push((
                    path.clone(),
                    Diagnostic::error(format!("no test file under {}", path.display()))
                        .with_help("test files end in .yaml or .yml"),
                ));
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            errors.push((path.clone(), Diagnostic::error(format!("{}: no such file or directory", path.display()))));
        }
    }
    files.dedup();
    (files, errors)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
    Ok(())
}
