//! `dotations diff` end to end: two rule directories built from the test model (see
//! `crates/dotations-diff/tests/fixture/mod.rs` for what changes between them), the same
//! versions as commits of a temporary git repository, the impact on the test model's communes,
//! and the errors (unknown revision, no repository, rules that do not compile).

#[path = "../../dotations-diff/tests/fixture/mod.rs"]
mod fixture;

use std::path::Path;
use std::process::{Command, Output};

fn dotations(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotations")).args(args).current_dir(dir).env("NO_COLOR", "1").output().unwrap()
}

fn succeeds(dir: &Path, args: &[&str]) -> String {
    let output = dotations(dir, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "dotations {args:?} failed:\n{stderr}");
    assert!(stderr.is_empty(), "nothing on stderr when the diff is computed: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// Runs a command that must fail with exit code 1; returns (stdout, stderr).
fn fails(dir: &Path, args: &[&str]) -> (String, String) {
    let output = dotations(dir, args);
    assert_eq!(output.status.code(), Some(1), "dotations {args:?} must fail with an error, not succeed or crash");
    (String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
}

/// Two rule directories and the test model's communes, side by side in a temporary directory.
fn versions_with_data(name: &str) -> tempfile::TempDir {
    let root = fixture::versions(name);
    std::fs::copy(fixture::repo().join("tests/model/communes_2024.csv"), root.path().join("communes_2024.csv"))
        .unwrap();
    root
}

#[test]
fn directories_with_impact_for_a_terminal() {
    let root = versions_with_data("cli-terminal");
    let out = succeeds(root.path(), &["diff", "old", "new", "--input", "communes_2024.csv", "--year", "2024"]);
    assert!(!out.contains('\x1b'), "no colour codes when stdout is not a terminal");
    insta::assert_snapshot!(out);
}

#[test]
fn directories_with_impact_as_markdown() {
    let root = versions_with_data("cli-markdown");
    let out =
        succeeds(root.path(), &["diff", "old", "new", "--input", "communes_2024.csv", "--year", "2024", "--markdown"]);
    insta::assert_snapshot!(out);
}

/// Runs git in `dir` without the user's configuration.
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("git is installed");
    assert!(status.success(), "git {args:?}");
}

/// A repository whose first commit holds the old version at its root, the second the new one
/// (and a copy of it under `copie/`).
fn repository(name: &str) -> tempfile::TempDir {
    let root = tempfile::Builder::new().prefix(&format!("dotations-diff-{name}")).tempdir().unwrap();
    let repo = root.path();
    fixture::make_old(repo);
    git(repo, &["init", "--quiet"]);
    git(repo, &["add", "."]);
    git(repo, &["commit", "--quiet", "-m", "old"]);
    let new = tempfile::tempdir().unwrap();
    fixture::make_new(new.path());
    for sub in ["parameters", "formulas"] {
        std::fs::remove_dir_all(repo.join(sub)).unwrap();
        fixture::copy_dir(&new.path().join(sub), &repo.join(sub));
        fixture::copy_dir(&new.path().join(sub), &repo.join("copie").join(sub));
    }
    git(repo, &["add", "-A", "."]);
    git(repo, &["commit", "--quiet", "-m", "new"]);
    root
}

/// Replaces abbreviated commit ids (`commit 1a2b3c4`) by `commit <id>`.
fn redact_commits(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("commit ") {
        let (before, after) = rest.split_at(at + "commit ".len());
        out.push_str(before);
        let hex = after.chars().take_while(char::is_ascii_hexdigit).count();
        if hex >= 7 {
            out.push_str("<id>");
        }
        rest = &after[hex..];
    }
    out.push_str(rest);
    out
}

#[test]
fn git_revisions_are_read_without_touching_the_working_tree() {
    let root = repository("git");
    let repo = root.path();
    let by_git = succeeds(repo, &["diff", "HEAD~1", "HEAD"]);
    insta::assert_snapshot!(redact_commits(&by_git));
    // The same versions as directories give the same diff, but for the heading.
    let dirs = fixture::versions("git-dirs");
    let by_dirs = succeeds(dirs.path(), &["diff", "old", "new"]);
    let body = |text: &str| text.split_once("\n\n").map(|(_, body)| body.to_string()).unwrap();
    assert_eq!(body(&by_git), body(&by_dirs));
    // A rule tree in a sub-directory of a revision.
    let copy = succeeds(repo, &["diff", "HEAD~1", "HEAD:copie"]);
    assert_eq!(body(&copy), body(&by_git));
    assert!(succeeds(repo, &["diff", "HEAD:copie", "HEAD"]).contains("No difference in parameters or formulas."));
    // An uncommitted edit shows against HEAD with `.`, and the working tree is left as it was.
    fixture::edit(repo, "parameters/dotation/bornes.yaml", "1.20", "1.25");
    let working = succeeds(repo, &["diff", "HEAD", "."]);
    assert!(
        working.contains("~ dotation.bornes.plafond\n      ~ 2020-01-01  1.20 → 1.25   +0.05 (+4.17 %)"),
        "{working}"
    );
    let status = Command::new("git").args(["status", "--porcelain"]).current_dir(repo).output().unwrap();
    assert_eq!(String::from_utf8(status.stdout).unwrap(), " M parameters/dotation/bornes.yaml\n");
}

#[test]
fn an_unknown_revision_is_an_error_with_help() {
    let root = repository("unknown");
    let (out, err) = fails(root.path(), &["diff", "HEAD~5", "HEAD"]);
    assert!(out.is_empty());
    insta::assert_snapshot!(err.replace(&root.path().display().to_string(), "<repo>"));
}

#[test]
fn a_revision_without_rules_at_its_root_says_how_to_name_a_sub_directory() {
    let root = repository("subdir");
    let repo = root.path();
    std::fs::create_dir(repo.join("ailleurs")).unwrap();
    std::fs::write(repo.join("ailleurs/notes.txt"), "rien\n").unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "--quiet", "-m", "notes"]);
    let (_, err) = fails(repo, &["diff", "HEAD", "HEAD:ailleurs"]);
    insta::assert_snapshot!(err);
}

#[test]
fn outside_a_repository_a_name_that_is_not_a_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = fails(dir.path(), &["diff", "HEAD~1", "HEAD"]);
    insta::assert_snapshot!(err.replace(&dir.path().display().to_string(), "<dir>"));
}

#[test]
fn rules_that_do_not_compile_give_a_partial_diff_and_an_error_exit() {
    let root = versions_with_data("cli-broken");
    fixture::edit(
        &root.path().join("new"),
        "formulas/modele.rules",
        "= N - year(date_creation)",
        "= N - year(creation)",
    );
    let (out, err) = fails(root.path(), &["diff", "old", "new", "--input", "communes_2024.csv", "--year", "2024"]);
    assert!(out.contains("~ dotation.enveloppe"), "the parameters are still compared:\n{out}");
    assert!(out.contains("--> new/formulas/modele.rules:50:14"), "the error is located:\n{out}");
    assert!(!out.contains("Impact"), "no impact without both versions compiling");
    insta::assert_snapshot!(err);
}

#[test]
fn a_year_without_data_is_an_error() {
    let root = versions_with_data("cli-year");
    let (_, err) = fails(root.path(), &["diff", "old", "new", "--year", "2024"]);
    assert_eq!(err, "error: --year is for the impact: give the data with --input FILE.csv or --embedded\n");
}

#[test]
fn missing_inputs_in_the_data_are_errors_naming_the_version() {
    let root = versions_with_data("cli-missing");
    let table = std::fs::read_to_string(root.path().join("communes_2024.csv")).unwrap();
    let without_population: String = table
        .lines()
        .map(|line| line.split(',').enumerate().filter(|(i, _)| *i != 2).map(|(_, c)| c).collect::<Vec<_>>().join(","))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(root.path().join("communes_2024.csv"), without_population).unwrap();
    let (out, err) = fails(root.path(), &["diff", "old", "new", "--input", "communes_2024.csv", "--year", "2024"]);
    assert!(out.is_empty() || !out.contains("Impact"));
    assert!(err.contains("population"), "{err}");
    assert!(err.contains("while computing the rules of `old`"), "{err}");
    assert!(err.contains("while computing the rules of `new`"), "{err}");
}

#[test]
fn the_embedded_data_gives_the_impact_of_the_repository_rules() {
    // The repository's rules against themselves, on the embedded synthetic France: every output
    // is computed twice and nothing moves.
    let out = succeeds(&fixture::repo(), &["diff", ".", ".", "--embedded", "--year", "2025"]);
    assert!(out.contains("No difference in parameters or formulas."), "{out}");
    assert!(out.contains("Impact on embedded data, 2025: 35 000 communes"), "{out}");
    let commune_line = out.lines().find(|l| l.contains("Commune variables:")).unwrap();
    assert!(commune_line.ends_with(" unchanged") && !commune_line.contains("changed,"), "{commune_line}");
}
