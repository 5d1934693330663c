//! `pickletool`: look inside pickles without ever executing them.
//!
//! ```text
//! pickletool dis [FILE]                      disassemble, like `python -m pickletools`
//! pickletool json [--py2-strings M] [FILE]   the value as JSON (see below for the form)
//! pickletool from-json [--protocol N] [FILE] JSON to a pickle on stdout
//! pickletool transcode [--protocol N] [--py2-strings M] [FILE]
//!                                            re-write a pickle at protocol N (default 5)
//! pickletool scan [FILE]                     list globals and calls; exit 2 if any global
//!                                            is outside the safe list; opens PyTorch
//!                                            checkpoints (zip and legacy), .npy/.npz
//! ```
//!
//! `pickletool --help` and `pickletool COMMAND --help` describe each
//! command and its options; `--version` prints the version. An option a
//! command has no use for (`--protocol` on `dis`, `json` or `scan`) is an
//! error. `--py2-strings ascii|latin1|bytes` (json, transcode) says how
//! Python 2 strs are read (default latin1). No FILE, or `-`, reads standard input. Bad input: one line on stderr with
//! the offset and the problem, exit status 1 (`dis` prints the listing up to
//! the problem first; `scan` prints what the pickle names and calls before
//! the problem, and exits 2 if a global among them is outside the safe list).

mod containers;
mod dis;
mod json;
mod scan;

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_pickle::{DeOptions, Py2Strings, SerOptions, Value};

/// Look inside pickles without ever executing them.
#[derive(Parser)]
#[command(name = "pickletool", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A file to read; none, or `-`, reads standard input.
#[derive(clap::Args)]
struct Input {
    /// The input file (`-` or nothing: standard input)
    file: Option<String>,
}

/// How Python 2 strs are read (like `pickle.load`'s `encoding=`).
#[derive(clap::Args)]
struct Py2 {
    /// Read Python 2 strs as ASCII or Latin-1 text, or as bytes
    #[arg(long = "py2-strings", value_enum, default_value_t = Py2Mode::Latin1)]
    py2_strings: Py2Mode,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Py2Mode {
    Ascii,
    Latin1,
    Bytes,
}

impl Py2 {
    fn options(&self) -> DeOptions {
        DeOptions::new().py2_strings(match self.py2_strings {
            Py2Mode::Ascii => Py2Strings::Ascii,
            Py2Mode::Latin1 => Py2Strings::Latin1,
            Py2Mode::Bytes => Py2Strings::Bytes,
        })
    }
}

/// The protocol to write.
#[derive(clap::Args)]
struct Protocol {
    /// Pickle protocol to write, 0 to 5
    #[arg(short, long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(0..=5))]
    protocol: u8,
}

// Each subcommand takes only the options that mean something to it (so
// `dis --protocol 2` is an error, not ignored); a new option goes on the
// subcommands it applies to.
#[derive(Subcommand)]
enum Command {
    /// Disassemble (offsets, opcodes, arguments, memo indices), like `python -m pickletools`
    Dis(Input),
    /// Print the value as JSON ($-tagged objects for tuples, sets, bytes, globals, objects)
    Json {
        #[command(flatten)]
        py2: Py2,
        #[command(flatten)]
        input: Input,
    },
    /// Read that JSON and write a pickle to stdout
    FromJson {
        #[command(flatten)]
        protocol: Protocol,
        #[command(flatten)]
        input: Input,
    },
    /// Read a pickle and write it again at --protocol N (default 5), keeping exactly its sharing
    Transcode {
        #[command(flatten)]
        protocol: Protocol,
        #[command(flatten)]
        py2: Py2,
        #[command(flatten)]
        input: Input,
    },
    /// List every global and call; exit 2 if a global is outside the safe list.
    /// Also opens the containers pickles travel in: PyTorch checkpoints (zip
    /// and legacy), NumPy .npy and .npz files
    Scan(Input),
}

fn read_input(file: &Option<String>) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    match file.as_deref() {
        None | Some("-") => {
            std::io::stdin().read_to_end(&mut buf).map_err(|e| format!("stdin: {e}"))?
        }
        Some(path) => return std::fs::read(path).map_err(|e| format!("{path}: {e}")),
    };
    Ok(buf)
}

fn write_out(bytes: &[u8]) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|_| out.flush()).map_err(|e| format!("stdout: {e}"))
}

fn load(bytes: &[u8], py2: &Py2) -> Result<Value, String> {
    serde_pickle::from_slice_with::<Value>(bytes, &py2.options()).map_err(|e| e.to_string())
}

impl Command {
    fn file(&self) -> &Option<String> {
        match self {
            Command::Dis(i) | Command::Scan(i) => &i.file,
            Command::Json { input, .. }
            | Command::FromJson { input, .. }
            | Command::Transcode { input, .. } => &input.file,
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, String> {
    run_with(&cli.command, read_input(cli.command.file())?)
}

fn run_with(command: &Command, input: Vec<u8>) -> Result<ExitCode, String> {
    match command {
        Command::Dis(_) => {
            // The listing up to the problem, then the problem.
            let (text, problem) = dis::disassemble(&input);
            write_out(text.as_bytes())?;
            if let Some(problem) = problem {
                return Err(problem);
            }
        }
        Command::Json { py2, .. } => {
            let value = load(&input, py2)?;
            let j = json::ToJson::default().convert(&value);
            let text = serde_json::to_string_pretty(&j).map_err(|e| e.to_string())?;
            write_out(format!("{text}\n").as_bytes())?;
        }
        Command::FromJson { protocol, .. } => {
            let text = json::exact_big_ints(&input);
            let j: json::Json = serde_json::from_slice(&text).map_err(|e| format!("JSON: {e}"))?;
            let value = json::FromJson::default().convert(&j)?;
            let bytes =
                serde_pickle::to_vec_with(&value, &SerOptions::new().protocol(protocol.protocol))
                    .map_err(|e| e.to_string())?;
            write_out(&bytes)?;
        }
        Command::Transcode { protocol, py2, .. } => {
            // Every call CPython makes is written back, or this is an error.
            let opts = py2.options().lossless(true);
            let value =
                serde_pickle::from_slice_with::<Value>(&input, &opts).map_err(|e| e.to_string())?;
            // With exactly the sharing the pickle had: at its own protocol,
            // `pickletools.optimize` of a C-pickler original.
            let ser = SerOptions::new().protocol(protocol.protocol).share_by_content(false);
            let bytes = serde_pickle::to_vec_with(&value, &ser).map_err(|e| e.to_string())?;
            write_out(&bytes)?;
        }
        Command::Scan(_) => return scan::run(&input),
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version on stdout, status 0; a usage error on
        // stderr, status 1 (2 means "a global outside the safe list").
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let result = run(&cli);
    match result {
        Ok(code) => code,
        Err(msg) => {
            // One line: the offset and the problem (usage text excepted).
            eprintln!("pickletool: {msg}");
            ExitCode::from(1)
        }
    }
}
