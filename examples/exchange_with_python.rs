//! Hand data to a Python program and take its answer back, through pickle files.
//!
//! Rust writes `job.pkl`; a `python3` child process loads it, changes it
//! (increments a counter, appends to a list, adds fields of Python types
//! Rust has no literal for: a `datetime`, a `set`, a `tuple`, a dataclass
//! instance) and pickles its reply; Rust reads the reply into a typed struct.
//!
//! ```text
//! cargo run --example exchange_with_python
//! ```
//!
//! Without `python3` on PATH it says so and exits successfully.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::process::Command;

use serde::{Deserialize, Serialize};

/// What Rust sends. Python receives a plain dict:
/// `{'id': 7, 'name': 'resize', 'tags': ['img'], 'attempts': 0, 'params': {...}, 'data': b'...'}`.
#[derive(Serialize, Debug)]
struct Job {
    id: u32,
    name: String,
    tags: Vec<String>,
    attempts: u32,
    params: BTreeMap<String, f64>,
    /// `serde_bytes` makes this Python `bytes` rather than a list of ints.
    #[serde(with = "serde_bytes")]
    data: Vec<u8>,
}

/// What Python sends back. Unknown keys would be ignored (serde's default);
/// missing ones are an error naming the field.
#[derive(Deserialize, Debug)]
struct Reply {
    id: u32,
    tags: Vec<String>,
    attempts: u32,
    /// Python `str`.
    status: String,
    /// A `datetime.datetime` reads as its ISO 8601 text (`isoformat()`).
    finished: String,
    /// A Python `set` reads as any Rust collection.
    labels: BTreeSet<String>,
    /// A Python `tuple` reads as a Rust tuple.
    size: (u32, u32),
    /// `sum(data)`, computed in Python from the bytes we sent.
    checksum: u64,
    /// A dataclass instance reads as a struct, from its `__dict__`.
    owner: Owner,
}

#[derive(Deserialize, Debug)]
struct Owner {
    name: String,
    uid: u32,
}

/// The Python side. It only uses the standard library, and `pickle.load`
/// here is safe because the input comes from our own Rust code.
const PYTHON: &str = r#"
import dataclasses, datetime, pickle, sys

@dataclasses.dataclass
class Owner:
    name: str
    uid: int

with open(sys.argv[1], "rb") as f:
    job = pickle.load(f)
print("python3 loaded:", job)

job["attempts"] += 1
job["tags"].append("seen-by-python")
job["status"] = "done"
job["finished"] = datetime.datetime(2024, 5, 17, 12, 30, 5, tzinfo=datetime.timezone.utc)
job["labels"] = {t.upper() for t in job["tags"]}
job["size"] = (int(job["params"]["width"]), int(job["params"]["height"]))
job["checksum"] = sum(job["data"])
job["owner"] = Owner("ada", 1000)

with open(sys.argv[2], "wb") as f:
    pickle.dump(job, f)  # Python's default protocol (4 on 3.8 to 3.13)
print("python3 replied with protocol", pickle.DEFAULT_PROTOCOL)
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("serde_pickle-exchange-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (job_path, reply_path) = (dir.join("job.pkl"), dir.join("reply.pkl"));

    let job = Job {
        id: 7,
        name: "resize".into(),
        tags: vec!["img".into()],
        attempts: 0,
        params: BTreeMap::from([("width".into(), 640.0), ("height".into(), 480.0)]),
        data: vec![1, 2, 3, 250],
    };
    let mut out = BufWriter::new(File::create(&job_path)?);
    serde_pickle::to_writer(&mut out, &job)?;
    out.flush()?;
    drop(out);
    println!("rust wrote {}: {job:?}", job_path.display());

    let run =
        Command::new("python3").arg("-c").arg(PYTHON).arg(&job_path).arg(&reply_path).output();
    let output = match run {
        Ok(output) => output,
        Err(e) => {
            // Not an error of this program: the example needs a Python to talk to.
            println!("python3 is not available ({e}): nothing to exchange with; install Python 3.8+ to run this example");
            let _ = std::fs::remove_dir_all(&dir);
            return Ok(());
        }
    };
    print!("{}", String::from_utf8_lossy(&output.stdout));
    if !output.status.success() {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(format!("python3 failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }

    let reply: Reply = serde_pickle::from_reader(BufReader::new(File::open(&reply_path)?))?;
    println!("rust read the reply: {reply:#?}");
    assert_eq!(reply.id, job.id);
    assert_eq!(reply.attempts, job.attempts + 1);
    assert_eq!(reply.checksum, job.data.iter().map(|&b| u64::from(b)).sum::<u64>());
    println!(
        "job {} is {} after {} attempt(s), finished at {}, owner {} (uid {})",
        reply.id, reply.status, reply.attempts, reply.finished, reply.owner.name, reply.owner.uid
    );
    println!("tags {:?}, labels {:?}, size {:?}", reply.tags, reply.labels, reply.size);

    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
