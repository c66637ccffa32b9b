//! The `kubesim` binary: parse the command line, call the library, map errors to exit codes.

use clap::Parser;

fn main() {
    let cli = kubesim::cli::Cli::parse();
    if let Err(e) = kubesim::cli::dispatch(cli) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
