//! The real binary over a real socket: a running `caucus-server` process, and a few lines of
//! HTTP/1.1 over `tokio::net::TcpStream` (keep-alive, `Content-Length` bodies, which is all
//! the API sends) to talk to it, to keep dependencies out.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use caucus_model::NewVoter;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// A running `caucus-server`, killed when dropped.
pub struct Process {
    child: Child,
    pub addr: SocketAddr,
}

impl Process {
    /// Starts the binary on a free port (it binds port 0 and prints the address it got), on
    /// the database `db` (`--db`), serving the widget from `assets`.
    pub async fn start(db: &str, assets: &Path, extra: &[&str]) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_caucus-server"))
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--db")
            .arg(db)
            .arg("--assets")
            .arg(assets)
            .args(extra)
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let first_line = tokio::time::timeout(Duration::from_secs(30), async {
            BufReader::new(stdout).lines().next_line().await
        })
        .await
        .expect("the server did not start within 30 s")
        .unwrap()
        .expect("the server exited before listening");
        let addr = first_line
            .strip_prefix("Caucus is listening on http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
            .parse()
            .unwrap();
        Process { child, addr }
    }

    /// `kill -9`: no shutdown, no checkpoint, no flush the process could still do.
    pub async fn kill_9(mut self) {
        self.child.start_kill().unwrap();
        let status = self.child.wait().await.unwrap();
        assert!(!status.success());
    }

    pub async fn connect(&self) -> Connection {
        Connection {
            stream: BufReader::new(TcpStream::connect(self.addr).await.unwrap()),
            host: self.addr.to_string(),
        }
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct Connection {
    stream: BufReader<TcpStream>,
    host: String,
}

pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "{err}: status {}, body {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

impl Connection {
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        voter: Option<&str>,
        json: Option<&serde_json::Value>,
    ) -> Answer {
        self.try_send(method, path, voter, json).await.unwrap()
    }

    /// One request and its answer; an error when the connection breaks (the server was killed).
    pub async fn try_send(
        &mut self,
        method: &str,
        path: &str,
        voter: Option<&str>,
        json: Option<&serde_json::Value>,
    ) -> std::io::Result<Answer> {
        let broken = |what: &str| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, what);
        let body = json.map(|json| json.to_string()).unwrap_or_default();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        if json.is_some() {
            request.push_str("Content-Type: application/json\r\n");
        }
        if let Some(voter) = voter {
            request.push_str(&format!("X-Caucus-Voter: {voter}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        self.stream.get_mut().write_all(request.as_bytes()).await?;

        let mut line = String::new();
        if self.stream.read_line(&mut line).await? == 0 {
            return Err(broken("closed before the status line"));
        }
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP status line: {line:?}"));
        let mut length = 0;
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                return Err(broken("closed in the headers"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
                assert!(
                    !name.eq_ignore_ascii_case("transfer-encoding"),
                    "this client reads Content-Length bodies only"
                );
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await?;
        Ok(Answer { status, body })
    }
}

pub async fn new_voter(connection: &mut Connection) -> String {
    let answer = connection.send("POST", "/api/voters", None, None).await;
    assert_eq!(answer.status, 201);
    answer.json::<NewVoter>().voter
}
