//! `dotations serve`: the HTTP server — OpenFisca's Web API, the commune pages and the web page.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_server::{AppState, Options};

#[derive(clap::Args)]
pub struct Args {
    /// The port to listen on.
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// The address to listen on: 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS")]
    host: IpAddr,
    /// Rule directory (holding parameters/ and formulas/); default: the embedded rules.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Input table for a year (`.csv` or `.csv.gz`, as for `dotations compute`); repeat it with
    /// one --year each. Default: the embedded synthetic France (2024 and 2025).
    #[arg(long, value_name = "IN.csv[.gz]")]
    input: Vec<PathBuf>,
    /// The year of each --input, in the same order; without --input, the embedded years to
    /// serve (default: all of them).
    #[arg(long, value_parser = super::parse_year)]
    year: Vec<i32>,
}

pub fn run(args: Args) -> Result<(), Diagnostics> {
    let inputs = match (args.input.len(), args.year.len()) {
        (0, _) => Vec::new(),
        (inputs, years) if inputs == years => args.year.iter().copied().zip(args.input.iter().cloned()).collect(),
        (inputs, years) => {
            return Err(Diagnostic::error(format!("{inputs} --input but {years} --year"))
                .with_help("give the year of each input table: --input communes_2025.csv --year 2025")
                .into())
        }
    };
    let years = if inputs.is_empty() { args.year.clone() } else { Vec::new() };
    let options = Options { rules: args.rules.clone(), inputs, years };
    eprintln!("Loading the law and the data, and computing every year…");
    let start = Instant::now();
    let state = AppState::load(&options)?;
    let years: Vec<String> = state.years.keys().map(|y| y.to_string()).collect();
    eprintln!(
        "Ready in {:.1} s: law {}, years {}.",
        start.elapsed().as_secs_f64(),
        state.rules_origin,
        years.join(", ")
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::error(format!("cannot start the server: {e}")))?;
    let address = SocketAddr::new(args.host, args.port);
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
            Diagnostics::from(
                Diagnostic::error(format!("cannot listen on {address}: {e}"))
                    .with_help("another program may use this port: choose another with --port"),
            )
        })?;
        let local = listener.local_addr().unwrap_or(address);
        let shown = if args.host.is_unspecified() { format!("localhost:{}", local.port()) } else { local.to_string() };
        println!("Listening on http://{shown}/ — open it in a browser; the API is described at http://{shown}/spec");
        println!("Stop with Ctrl-C.");
        dotations_server::serve(listener, Arc::new(state))
            .await
            .map_err(|e| Diagnostics::from(Diagnostic::error(format!("the server stopped: {e}"))))
    })
}
