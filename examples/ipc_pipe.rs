//! Talk to another process over a pipe, one pickle per message.
//!
//! Pickles need no length prefix or separator: each ends with its own `STOP`
//! opcode, so several can follow each other on a stream. Python reads them
//! with repeated `pickle.load(f)`; Rust with
//! `Deserializer::from_reader(r).into_iter::<T>()`, which reads exactly one
//! pickle per `next()` — never blocking on bytes of a message not yet sent.
//!
//! This program starts a worker, sends it requests on its stdin and reads the
//! replies from its stdout: first in lockstep (send one, wait for its reply),
//! then pipelined (send a batch, then read the batch).
//!
//! ```text
//! cargo run --example ipc_pipe            # worker: python3 if it runs, else this program
//! cargo run --example ipc_pipe -- python  # worker: python3
//! cargo run --example ipc_pipe -- rust    # worker: this program, started with --worker
//! ```

use std::io::{self, Write};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};
use serde_pickle::Deserializer;

/// A request. Python receives `{'id': 1, 'words': ['a', 'bb']}`.
#[derive(Serialize, Deserialize, Debug)]
struct Request {
    id: u32,
    words: Vec<String>,
}

/// A reply, from either worker.
#[derive(Serialize, Deserialize, Debug)]
struct Reply {
    id: u32,
    count: usize,
    longest: String,
    worker: String,
}

/// The Python worker: repeated `pickle.load` until the pipe closes, one
/// `pickle.dump` per reply, flushed so the reply leaves at once.
const PYTHON_WORKER: &str = r#"
import pickle, sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    try:
        req = pickle.load(inp)
    except EOFError:
        break
    words = req["words"]
    reply = {"id": req["id"], "count": len(words),
             "longest": max(words, key=len, default=""), "worker": "python3"}
    pickle.dump(reply, out)
    out.flush()
"#;

/// The same worker in Rust (`ipc_pipe --worker`): the stream iterator on
/// stdin, `to_writer` on stdout.
fn rust_worker() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = io::stdout().lock();
    for req in Deserializer::from_reader(io::stdin().lock()).into_iter::<Request>() {
        let req = req?;
        let longest = req.words.iter().fold("", |a, w| if w.len() > a.len() { w } else { a });
        let reply = Reply {
            id: req.id,
            count: req.words.len(),
            longest: longest.to_string(),
            worker: "rust".into(),
        };
        serde_pickle::to_writer(&mut out, &reply)?;
        out.flush()?;
    }
    Ok(())
}

fn python_runs() -> bool {
    Command::new("python3")
        .args(["-c", "import pickle"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = std::env::args().nth(1);
    let mut worker = match arg.as_deref() {
        Some("--worker") => return rust_worker(),
        Some("python") => Command::new("python3"),
        Some("rust") => Command::new(std::env::current_exe()?),
        None if python_runs() => Command::new("python3"),
        None => {
            println!("python3 not runnable: using this program as the worker");
            Command::new(std::env::current_exe()?)
        }
        Some(other) => return Err(format!("unknown argument {other:?} (python or rust)").into()),
    };
    if worker.get_program() == "python3" {
        worker.args(["-c", PYTHON_WORKER]);
    } else {
        worker.arg("--worker");
    }
    let mut child = worker.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    let mut to_worker = child.stdin.take().expect("piped stdin");
    // One reader for the whole conversation: the iterator keeps its buffer
    // (and its place in the stream) from one reply to the next.
    let mut replies =
        Deserializer::from_reader(child.stdout.take().expect("piped stdout")).into_iter::<Reply>();

    let requests: Vec<Request> = [
        vec!["pickle", "over", "a", "pipe"],
        vec!["one", "message", "at", "a", "time"],
        vec!["batch"],
        vec![],
        vec!["no", "length", "prefix", "needed"],
    ]
    .into_iter()
    .zip(1..)
    .map(|(words, id)| Request { id, words: words.into_iter().map(String::from).collect() })
    .collect();

    // Lockstep: each reply is read before the next request is sent. This
    // only works because the iterator stops at the reply's STOP opcode.
    for req in &requests[..2] {
        serde_pickle::to_writer(&mut to_worker, req)?;
        let reply = replies.next().ok_or("worker closed the pipe")??;
        println!("sent {req:?} -> got {reply:?}");
    }

    // Pipelined: all the requests first, then all the replies. (Fine for
    // small messages; for big ones write from another thread, or the two
    // processes can both block on full pipes.)
    for req in &requests[2..] {
        serde_pickle::to_writer(&mut to_worker, req)?;
    }
    drop(to_worker); // end of input: the worker's read loop ends
    let rest: Vec<Reply> = replies.by_ref().collect::<Result<_, _>>()?;
    for reply in &rest {
        println!("batch reply {reply:?}");
    }
    println!("{} bytes of replies read in all", replies.byte_offset());

    let status = child.wait()?;
    if !status.success() {
        return Err(format!("worker exited with {status}").into());
    }
    assert_eq!(rest.len(), requests.len() - 2);
    println!("worker finished: {status}");
    Ok(())
}
