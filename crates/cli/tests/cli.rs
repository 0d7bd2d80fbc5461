//! The `nordlys` binary as a user runs it: help, usage errors, import, migrate.
use std::path::PathBuf;
use std::process::{Command, Output};

fn nordlys(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nordlys"))
        .args(args)
        .env_remove("NORDLYS_DATABASE")
        .env_remove("RUST_LOG")
        .output()
        .expect("run nordlys")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nordlys-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn db_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join("nordlys.db").display())
}

#[test]
fn help_teaches_and_exits_0() {
    let out = nordlys(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for cmd in [
        "serve",
        "migrate",
        "import",
        "generate",
        "demo",
        "bench",
        "Exit codes",
    ] {
        assert!(help.contains(cmd), "--help should mention {cmd}:\n{help}");
    }
    for sub in ["serve", "migrate", "import", "generate", "demo", "bench"] {
        let out = nordlys(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub} --help");
        assert!(
            text(&out.stdout).contains("--"),
            "{sub} --help lists options"
        );
    }
    let serve = text(&nordlys(&["serve", "--help"]).stdout);
    for opt in [
        "--listen",
        "--database",
        "--dev-auth",
        "--max-body",
        "--issuer-config",
        "NORDLYS_DATABASE",
    ] {
        assert!(serve.contains(opt), "serve --help lacks {opt}");
    }
}

#[test]
fn bad_usage_exits_2() {
    for args in [
        &["frobnicate"][..],
        &["serve", "--listen", "not-an-address"],
        &["import"],
        &["bench", "--clients", "x"],
    ] {
        let out = nordlys(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn failures_exit_1_with_one_line() {
    let out = nordlys(&["migrate", "--database", "mysql://nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    let out = nordlys(&[
        "import",
        "/no/such/file.ndjson",
        "--database",
        "sqlite://:memory:",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim_end().lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn migrate_twice_is_fine() {
    let dir = scratch("migrate");
    let url = db_url(&dir);
    for _ in 0..2 {
        let out = nordlys(&["migrate", "--database", &url]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("up to date"));
    }
    assert!(dir.join("nordlys.db").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn import_reports_the_bad_line_and_loads_the_rest_idempotently() {
    let dir = scratch("import");
    let file = dir.join("region.ndjson");
    let lines = [
        r#"{"resourceType":"Patient","id":"p1","name":[{"family":"Nordmann","given":["Kari"]}],"birthDate":"1972-09-13"}"#,
        r#"{"resourceType":"Patient","id":"p2","name":[{"family":"Hansen","given":["Ola"]}],"birthDate":"1980-01-01"}"#,
        r#"{"resourceType":"Patient","id":"p3", "name": [BROKEN"#,
        r#"{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"glucose"},"subject":{"reference":"Patient/p1"}}"#,
        r#"{"resourceType":"Observation","id":"o2","status":"final","code":{"text":"glucose"},"subject":{"reference":"Patient/p2"}}"#,
        r#"{"resourceType":"Patient","id":"p9","gender":["female"]}"#,
    ];
    std::fs::write(&file, lines.join("\n") + "\n").expect("write ndjson");
    let url = db_url(&dir);
    let path = file.display().to_string();

    let first = nordlys(&["import", &path, "--database", &url]);
    let (out, err) = (text(&first.stdout), text(&first.stderr));
    assert_eq!(first.status.code(), Some(1), "stdout: {out}\nstderr: {err}");
    assert!(
        err.contains("region.ndjson line 3"),
        "the bad line is named: {err}"
    );
    assert!(
        err.contains("region.ndjson line 6: Patient.gender"),
        "the invalid record is named: {err}"
    );
    assert!(
        !err.contains("line 1:") && !err.contains("line 4"),
        "only lines 3 and 6 are bad: {err}"
    );
    assert!(err.contains("2 of 6 records failed"), "{err}");
    assert!(out.contains("4 written, 0 unchanged, 2 failed"), "{out}");

    let second = nordlys(&["import", &path, "--database", &url]);
    let out = text(&second.stdout);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        out.contains("0 written, 4 unchanged, 2 failed"),
        "re-run writes nothing: {out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn import_bundle_with_urn_uuids() {
    let dir = scratch("bundle");
    let file = dir.join("tx.json");
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:0b6a3f4e-8c3a-4f57-9d1e-2f0c5b7a9e11",
         "resource": {"resourceType": "Patient", "name": [{"family": "Berg"}]},
         "request": {"method": "POST", "url": "Patient"}},
        {"fullUrl": "urn:uuid:7d2e1c90-3b4a-4c8f-8e6d-5a1b2c3d4e5f",
         "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                      "subject": {"reference": "urn:uuid:0b6a3f4e-8c3a-4f57-9d1e-2f0c5b7a9e11"}},
         "request": {"method": "POST", "url": "Observation"}}
    ]});
    std::fs::write(&file, serde_json::to_string_pretty(&bundle).expect("json"))
        .expect("write bundle");
    let url = db_url(&dir);
    let out = nordlys(&["import", &dir.display().to_string(), "--database", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("2 written, 0 unchanged, 0 failed"),
        "{}",
        text(&out.stdout)
    );
    let again = nordlys(&["import", &file.display().to_string(), "--database", &url]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        text(&again.stdout).contains("0 written, 2 unchanged"),
        "{}",
        text(&again.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn serve_reads_env_answers_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;

    let dir = scratch("serve");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nordlys"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("NORDLYS_DATABASE", db_url(&dir))
        .env("NORDLYS_DEV_AUTH", "true")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut addr = None;
    for line in lines.by_ref().map_while(Result::ok) {
        if let Some(rest) = line.split("serving FHIR at http://").nth(1) {
            addr = rest.split('/').next().map(str::to_owned);
            break;
        }
    }
    let addr = addr.expect("serve logs its address");
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());

    let get = |path: &str, body: Option<&str>| {
        let mut s = std::net::TcpStream::connect(&addr).expect("connect");
        let req = match body {
            None => format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
            Some(b) => format!(
                "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                b.len()
            ),
        };
        s.write_all(req.as_bytes()).expect("send");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out
    };
    let health = get("/health", None);
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        health.contains("\"backend\":\"sqlite\"") && health.contains("\"devAuth\":true"),
        "{health}"
    );
    let token = get(
        "/dev/token",
        Some(r#"{"kind": "citizen", "pid": "13097248022", "acr": "idporten-loa-high"}"#),
    );
    assert!(
        token.starts_with("HTTP/1.1 200") && token.contains("access_token"),
        "{token}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "graceful shutdown exits 0");
    let rest = drain.join().unwrap_or_default();
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
