//! `dotations serve` as a user starts it: the real binary on a free port, answering over TCP;
//! and its mistakes (inputs without years, a file that cannot be read, a port in use) as
//! messages with a non-zero exit.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::repo;

fn dotations() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dotations"));
    command.current_dir(repo());
    command
}

/// A plain HTTP/1.1 GET; the answer's status line and body.
fn http_get(address: &str, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(address).expect("the server accepts connections");
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or_default().to_string();
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[test]
fn the_server_starts_and_answers_over_http() {
    let mut child = dotations()
        .args(["serve", "--port", "0", "--year", "2025"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("the server says where it listens").unwrap();
    let address = first
        .strip_prefix("Listening on http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_string();
    let (status, body) = http_get(&address, "/communes?search=27001");
    let (page_status, page) = http_get(&address, "/");
    let (missing_status, missing) = http_get(&address, "/communes/27001?year=2024");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains(r#"{"code":"27001","name":"Commune 27001","departement":"27"}"#), "{body}");
    assert_eq!(page_status, "HTTP/1.1 200 OK");
    assert!(page.contains(r#"<html lang="fr">"#));
    // Only 2025 was loaded.
    assert_eq!(missing_status, "HTTP/1.1 404 Not Found");
    assert!(missing.contains("this server has the years 2025"), "{missing}");
}

/// Runs a command that must fail; its stderr.
fn failure(args: &[&str]) -> String {
    let output = dotations().args(args).output().unwrap();
    assert!(!output.status.success(), "{args:?} succeeded");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn mistakes_are_reported_with_a_non_zero_exit() {
    let blocker = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port().to_string();
    let in_use = failure(&["serve", "--port", &port, "--year", "2025"]).replace(&port, "PORT");
    let report = [
        ("serve --input a.csv", failure(&["serve", "--input", "a.csv"])),
        ("serve --input missing.csv --year 2025", failure(&["serve", "--input", "missing.csv", "--year", "2025"])),
        ("serve --year 2019", failure(&["serve", "--year", "2019"])),
        (
            "serve --port PORT (in use)",
            in_use
                .lines()
                .filter(|l| !l.starts_with("Loading") && !l.starts_with("Ready"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    ]
    .iter()
    .map(|(command, stderr)| format!("$ dotations {command}\n{stderr}"))
    .collect::<Vec<_>>()
    .join("\n");
    drop(blocker);
    insta::assert_snapshot!(report);
}
