//! Save application state to a file and pick it up again on the next run.
//!
//! ```text
//! cargo run --example persist                 # state in the system temp dir
//! cargo run --example persist -- state.pkl    # state in ./state.pkl
//! cargo run --example persist -- state.pkl    # run again: finds and updates it
//! ```
//!
//! The file is an ordinary pickle, so Python can read (and write) it too:
//! `python3 -c "import pickle; print(pickle.load(open('state.pkl', 'rb')))"`.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Everything the "application" keeps between runs. Each field type maps to
/// a plain Python value: `u32` → `int`, `Vec` → `list`, `HashMap` → `dict`,
/// `Option` → the value or `None`, an enum → its variant name, or
/// `{variant: content}` for a variant with data.
#[derive(Serialize, Deserialize, Debug, Default)]
struct AppState {
    runs: u32,
    recent_files: Vec<String>,
    word_counts: HashMap<String, u64>,
    theme: Theme,
    last_error: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
enum Theme {
    #[default]
    Light,
    Dark,
    /// Python sees `{'Custom': {'accent': '#ff8800', 'font_size': 14}}`.
    Custom {
        accent: String,
        font_size: u8,
    },
}

/// Read the state, or `None` when there is no file yet.
fn load(path: &Path) -> Result<Option<AppState>, serde_pickle::Error> {
    match File::open(path) {
        // `from_reader` reads the whole file; bytes after the pickle are an error.
        Ok(f) => serde_pickle::from_reader(BufReader::new(f)).map(Some),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Write the state atomically: a crash half-way through leaves the old file
/// intact, because the new one only replaces it once it is complete.
fn save(path: &Path, state: &AppState) -> Result<(), Box<dyn std::error::Error>> {
    let tmp = path.with_extension("pkl.tmp");
    let mut file = File::create(&tmp)?;
    serde_pickle::to_writer(&mut file, state)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("serde_pickle-persist-example.pkl"));

    let mut state = match load(&path) {
        Ok(Some(state)) => {
            println!("found state from run {} in {}", state.runs, path.display());
            state
        }
        Ok(None) => {
            println!("no state yet at {}: first run", path.display());
            AppState::default()
        }
        // A file we cannot read (an older layout, a truncated write by some
        // other program...): say why, and start afresh rather than crash.
        Err(e) => {
            println!("could not read {} ({e}); starting afresh", path.display());
            AppState::default()
        }
    };

    // Update the state as this run's "work".
    state.runs += 1;
    state.recent_files.push(format!("report-{}.txt", state.runs));
    if state.recent_files.len() > 3 {
        state.recent_files.remove(0); // keep the last three
    }
    for word in ["pickle", "serde", "pickle"] {
        *state.word_counts.entry(word.to_string()).or_default() += 1;
    }
    state.theme = match state.runs {
        1 => Theme::Light,
        2 => Theme::Dark,
        _ => Theme::Custom { accent: "#ff8800".into(), font_size: 14 },
    };
    state.last_error = if state.runs % 2 == 0 { Some("disk almost full".into()) } else { None };

    save(&path, &state)?;
    let size = fs::metadata(&path)?.len();
    println!("saved run {} ({size} bytes)", state.runs);
    println!("recent files: {:?}", state.recent_files);
    println!("pickle count: {}", state.word_counts["pickle"]);
    println!("theme: {:?}", state.theme);
    println!("last error: {:?}", state.last_error);

    // What Python would see, without needing Python: read the file as an
    // untyped `Value`, whose `Display` is Python's repr(). (The dict order of
    // `word_counts` is HashMap order, so it may differ between runs.)
    let bytes = fs::read(&path)?;
    let value: serde_pickle::Value = serde_pickle::from_slice(&bytes)?;
    println!("as Python sees it: {value}");
    io::stdout().flush()?;
    Ok(())
}
