//! Write a struct as a pickle file, read it back, and (when `python3` is on
//! PATH) show what Python's own `pickle.load` sees in the same file.
//!
//! ```text
//! cargo run --example quickstart            # writes ./data.pkl
//! cargo run --example quickstart -- out.pkl # writes out.pkl
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::Command;

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Person {
    name: String,
    age: u32,
    city: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf =
        std::env::args_os().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("data.pkl"));

    let alice = Person { name: "Alice".to_string(), age: 30, city: "Paris".to_string() };

    // Write: the bytes CPython writes for the same dict at protocol 5 (pickletools.optimize(pickle.dumps(...)))
    // for {'name': 'Alice', 'age': 30, 'city': 'Paris'}.
    let mut out = BufWriter::new(File::create(&path)?);
    serde_pickle::to_writer(&mut out, &alice)?;
    out.flush()?;
    drop(out);
    let size = std::fs::metadata(&path)?.len();
    println!("wrote {} ({size} bytes)", path.display());

    // Read it back into the Rust type.
    let back: Person = serde_pickle::from_reader(BufReader::new(File::open(&path)?))?;
    println!("Rust reads:   {back:?}");
    assert_eq!(back, alice);

    // Ask CPython what it sees in the same file.
    let python = Command::new("python3")
        .arg("-c")
        .arg("import pickle,sys; print(pickle.load(open(sys.argv[1],'rb')))")
        .arg(&path)
        .output();
    match python {
        Ok(o) if o.status.success() => {
            print!("Python reads: {}", String::from_utf8_lossy(&o.stdout));
        }
        Ok(o) => {
            return Err(format!(
                "python3 could not load {}: {}",
                path.display(),
                String::from_utf8_lossy(&o.stderr)
            )
            .into());
        }
        Err(e) => {
            println!("note: python3 not runnable ({e}); skipping the Python check");
        }
    }
    Ok(())
}
