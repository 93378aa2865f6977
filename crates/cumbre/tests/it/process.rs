//! The product as separate processes: the `cumbre` binary run as a command or as a server,
//! and a minimal HTTP/1.1 client over a real socket (nothing more is needed, and no extra
//! dependency).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};

/// Runs `cumbre ARGS` to completion with `database_url` as `CUMBRE_DATABASE_URL`.
pub fn cumbre(args: &[&str], database_url: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cumbre"));
    cmd.args(args)
        .env_remove("CUMBRE_CONFIG")
        .env("RUST_LOG", "warn");
    match database_url {
        Some(url) => cmd.env("CUMBRE_DATABASE_URL", url),
        None => cmd.env_remove("CUMBRE_DATABASE_URL"),
    };
    cmd.output().expect("cumbre runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A server process, killed when dropped so none outlives a failed test.
pub struct Server {
    pub child: Child,
    pub addr: String,
    /// What `serve` logged before it listened (its warnings about the configuration).
    pub startup: Vec<String>,
}

impl Server {
    /// `cumbre serve` on `database_url`, on a free port; returns once it listens.
    pub fn serve(database_url: &str, envs: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cumbre"));
        cmd.args(["serve", "--bind", "127.0.0.1:0"])
            .env("CUMBRE_DATABASE_URL", database_url)
            .env("RUST_LOG", "info")
            .env_remove("CUMBRE_CONFIG")
            .envs(envs.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null());
        let mut child = cmd.spawn().expect("server starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let mut startup = Vec::new();
        let addr = loop {
            let line = lines
                .next()
                .expect("server logs its address")
                .expect("line");
            startup.push(line.clone());
            if let Some(rest) = line.split("addr=").nth(1) {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            }
            assert!(!line.contains("ERROR"), "server failed: {line}");
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Server {
            child,
            addr,
            startup,
        }
    }

    /// `cumbre demo` in `data_dir` (a small history), serving on a free port; returns once
    /// it listens.
    pub fn demo(data_dir: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cumbre"))
            .args([
                "demo",
                "--data-dir",
                data_dir,
                "--responses-scale",
                "0.01",
                "--bind",
                "127.0.0.1:0",
            ])
            .env_remove("CUMBRE_CONFIG")
            .env_remove("CUMBRE_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("demo starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("the demo prints its address")
                .expect("line");
            if let Some(rest) = line.strip_prefix("Cumbre demo: http://") {
                break rest.trim_end_matches('/').to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Server {
            child,
            addr,
            startup: Vec::new(),
        }
    }

    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reaped");
    }

    /// `GET path` with an API token.
    pub fn get(&self, path: &str, token: &str) -> Reply {
        self.request(
            "GET",
            path,
            &[("Authorization", &format!("Bearer {token}"))],
            "",
        )
    }

    /// A JSON request with an API token.
    pub fn api(&self, method: &str, path: &str, token: &str, body: &str) -> Reply {
        api_at(&self.addr, method, path, token, body)
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        http(&self.addr, method, path, headers, body)
    }

    /// Signs in through the sign-in form; returns the session cookie (`name=value`).
    pub fn sign_in(&self, email: &str, password: &str) -> String {
        let page = self.request("GET", "/login", &[], "");
        let csrf_cookie = page
            .cookie("cumbre_login_csrf")
            .expect("the sign-in page sets its CSRF cookie");
        let csrf = csrf_cookie.split_once('=').map(|(_, v)| v).unwrap_or("");
        let form = serde_urlencoded::to_string([
            ("csrf", csrf),
            ("email", email),
            ("password", password),
            ("next", "/"),
        ])
        .expect("encodes");
        let reply = self.request(
            "POST",
            "/login",
            &[
                ("Cookie", &csrf_cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &form,
        );
        assert_eq!(reply.status, 303, "sign-in of {email}: {}", reply.body);
        reply.cookie("cumbre_session").expect("session cookie")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reply as read off the socket.
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// `name=value` of a `Set-Cookie` header.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (h, v) = l.split_once(':')?;
            if !h.eq_ignore_ascii_case("set-cookie") {
                return None;
            }
            let pair = v.trim().split(';').next()?;
            pair.starts_with(&format!("{name}="))
                .then(|| pair.to_owned())
        })
    }
}

/// One request on its own connection.
/// A JSON request with an API token to the server at `addr` (for a thread that holds no
/// [`Server`]).
pub fn api_at(addr: &str, method: &str, path: &str, token: &str, body: &str) -> Reply {
    http(
        addr,
        method,
        path,
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "application/json"),
        ],
        body,
    )
}

pub fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    try_http(addr, method, path, headers, body).expect("the server answers")
}

/// [`http`], or `None` when the connection fails (a server killed mid-request).
pub fn try_http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<Reply> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw.get(split + 4..).unwrap_or_default();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        unchunk(body)
    } else {
        body.to_vec()
    };
    Some(Reply {
        status,
        head,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn unchunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&body[..eol]);
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        let rest = &body[eol + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        body = rest[n..].strip_prefix(b"\r\n").unwrap_or(&rest[n..]);
    }
    out
}
