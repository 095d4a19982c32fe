//! Reproducibility stamps: what a result was computed from, so that it can be computed again.
//!
//! A [`Stamp`] names the engine (crate version and git commit), the rules (a BLAKE3 hash of
//! every parameter and formula file, by path and content) and the inputs (a BLAKE3 hash of the
//! bytes of each input file, or of the embedded data). BLAKE3 rather than SHA-256: as strong for
//! this purpose, and several times faster on the 11 MB of a national table (a stamp must not cost
//! more than the computation it stamps). Two results with the same stamp were computed by
//! the same engine from the same law and the same data, so they are equal; a changed rule file
//! or input changes the stamp, and nothing else does: the rules are hashed by their path
//! *relative to the rule directory*, so the embedded law and a copy of the same files in any
//! directory have the same hash.
//!
//! The command line writes the stamp beside each CSV it writes (`OUT.csv.stamp.json`, see
//! [`Stamp::sidecar_path`]); JSON answers carry it as a field `stamp`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::RuleFiles;

/// What a result was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stamp {
    pub engine: EngineVersion,
    pub rules: RulesDigest,
    /// Every input read, in the order read (the communes' table, a scenario file, …).
    pub inputs: Vec<InputDigest>,
}

/// The engine that computed: its crate version and the git commit it was built from
/// (`unknown` when it was not built from a git checkout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineVersion {
    pub version: String,
    pub commit: String,
}

/// The law that was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulesDigest {
    /// `embedded` or the rule directory, as given (for people: it is not hashed).
    pub source: String,
    /// How many files were hashed.
    pub files: usize,
    /// SHA-256, in hexadecimal, of every file's relative path and content in path order.
    pub blake3: String,
}

/// One input that was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputDigest {
    /// The file as given, or `embedded:YEAR` for the embedded data (for people: not hashed).
    pub source: String,
    /// BLAKE3, in hexadecimal, of the bytes read (for a `.csv.gz`, the compressed bytes).
    pub blake3: String,
}

impl Stamp {
    pub fn new(engine: EngineVersion, rules: RulesDigest, inputs: Vec<InputDigest>) -> Stamp {
        Stamp { engine, rules, inputs }
    }

    /// Where the stamp of the CSV file `output` is written: `OUT.csv.stamp.json`, beside it (the
    /// CSV itself stays a plain CSV that any tool reads).
    pub fn sidecar_path(output: &Path) -> PathBuf {
        let mut name = output.as_os_str().to_os_string();
        name.push(".stamp.json");
        PathBuf::from(name)
    }
}

impl RuleFiles {
    /// The digest of the rules: every parameter file, formula file and the summary table, each
    /// by its path relative to the rule directory (`parameters/…`, `formulas/…`) and its text,
    /// in path order.
    pub fn digest(&self) -> RulesDigest {
        let mut files: Vec<(String, &str)> = Vec::new();
        for (path, text) in &self.parameters {
            files.push((format!("parameters/{}", portable(path)), text));
        }
        for source in &self.formulas {
            files.push((self.relative(source.path()), source.text()));
        }
        if let Some((path, text)) = &self.summary {
            files.push((self.relative(path), text));
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut hasher = blake3::Hasher::new();
        for (path, text) in &files {
            // Lengths first: no two different file lists hash the same bytes.
            hasher.update(&(path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update(&(text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        }
        RulesDigest { source: self.origin.clone(), files: files.len(), blake3: hasher.finalize().to_hex().to_string() }
    }

    /// A formula file's path relative to the rule directory (`formulas/…`).
    fn relative(&self, path: &str) -> String {
        if self.origin == "embedded" {
            return portable(path);
        }
        match Path::new(path).strip_prefix(&self.origin) {
            Ok(relative) => portable(&relative.display().to_string()),
            Err(_) => portable(path),
        }
    }
}

impl InputDigest {
    /// The digest of bytes in memory (the embedded data: `source` is then `embedded:YEAR`).
    pub fn of_bytes(source: impl Into<String>, bytes: &[u8]) -> InputDigest {
        InputDigest { source: source.into(), blake3: blake3::hash(bytes).to_hex().to_string() }
    }

    /// The digest of everything `reader` gives.
    pub fn of_reader(source: impl Into<String>, mut reader: impl Read) -> std::io::Result<InputDigest> {
        let mut hasher = blake3::Hasher::new();
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let read = reader.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        Ok(InputDigest { source: source.into(), blake3: hasher.finalize().to_hex().to_string() })
    }

    /// The digest of a file's bytes; `source` is the path as given.
    pub fn of_file(path: &Path) -> std::io::Result<InputDigest> {
        InputDigest::of_reader(path.display().to_string(), std::fs::File::open(path)?)
    }
}

/// `/` between path components on every system, so that the hash does not depend on it.
fn portable(path: &str) -> String {
    path.replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use dotations_diagnostics::SourceText;

    fn rules(origin: &str, formula: &str) -> RuleFiles {
        RuleFiles {
            parameters: vec![("a/b.yaml".into(), "values: {}".into())],
            formulas: vec![SourceText::new(format!("{origin}/formulas/m.rules"), formula.to_string())],
            origin: origin.into(),
            summary: None,
        }
    }

    #[test]
    fn the_rules_hash_depends_on_the_content_not_on_the_directory() {
        let here = rules("/tmp/x", "variable a : number, per commune, yearly");
        let there = rules("../y", "variable a : number, per commune, yearly");
        assert_eq!(here.digest().blake3, there.digest().blake3);
        assert_eq!(here.digest().files, 2);
        let changed = rules("/tmp/x", "variable b : number, per commune, yearly");
        assert_ne!(here.digest().blake3, changed.digest().blake3);
    }

    #[test]
    fn a_file_moved_to_another_path_changes_the_hash() {
        let mut moved = rules("d", "x");
        moved.parameters[0].0 = "a/c.yaml".into();
        assert_ne!(rules("d", "x").digest().blake3, moved.digest().blake3);
    }

    #[test]
    fn the_embedded_rules_hash_as_the_repository_directory() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let embedded = RuleFiles::embedded().digest();
        let directory = RuleFiles::from_dir(&root).expect("the repository is a rule directory").digest();
        assert_eq!(embedded.blake3, directory.blake3);
        assert_eq!(embedded.files, directory.files);
        assert!(embedded.files > 50, "{}", embedded.files);
    }

    #[test]
    fn inputs_hash_their_bytes() {
        let digest = InputDigest::of_bytes("embedded:2025", b"abc");
        // BLAKE3("abc"), the reference implementation's test vector.
        assert_eq!(digest.blake3, "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
        let read = InputDigest::of_reader("x", &b"abc"[..]).unwrap();
        assert_eq!(read.blake3, digest.blake3);
        assert_eq!(Stamp::sidecar_path(Path::new("out/r.csv")), Path::new("out/r.csv.stamp.json"));
    }
}
