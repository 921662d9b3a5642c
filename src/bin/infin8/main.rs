//! `infin8`: run intent-driven SEO content campaigns for your own business from a config file.
//!
//! ```sh
//! infin8 init --org "Acme Bikes" --business "…" --competitor rivalbikes.example
//! infin8 run                      # stops at the seed review
//! infin8 review seeds             # list; approve/reject by id, pattern or all; or CSV round trip
//! infin8 run                      # to the end
//! infin8 status | retry | cancel
//! infin8 export keywords --format csv
//! infin8 report                   # report.html
//! ```
//!
//! SQLite in `infin8.sqlite` next to the config by default; PostgreSQL when `DATABASE_URL` is set
//! (build with `--features postgres`). Offline providers unless the provider variables are set.

mod commands;
mod workspace;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "infin8", version, about = "Intent-driven SEO content campaigns from a config file.")]
struct Cli {
    /// The configuration file.
    #[arg(long, short, global = true, default_value = "infin8.toml", env = "INFIN8_CONFIG")]
    config: PathBuf,
    /// Who you are in the organization: review decisions are recorded as this member's.
    #[arg(long, global = true, env = "INFIN8_MEMBER")]
    member: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a commented configuration file to fill in.
    Init {
        /// The organization's name.
        #[arg(long, default_value = "My Company")]
        org: String,
        /// What the business does, for whom.
        #[arg(long)]
        business: Option<String>,
        /// A competitor's site (repeat for several).
        #[arg(long = "competitor")]
        competitors: Vec<String>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Create or resume the campaign's workflow and run it to the next review gate or the end.
    Run {
        /// Pass the seed review with a recorded system decision approving every seed.
        #[arg(long)]
        auto_approve: bool,
        /// Also write the report when the run stops.
        #[arg(long)]
        report: bool,
    },
    /// Review seed keywords or subtopics.
    Review {
        /// Which gate.
        #[arg(value_enum)]
        gate: GateArg,
        #[command(subcommand)]
        action: Option<ReviewAction>,
    },
    /// State, step, counts, cost against estimate and budget, failures.
    Status,
    /// Retry the failed step now.
    Retry,
    /// Cancel the workflow (finished work stays recorded).
    Cancel,
    /// Export keywords, clusters or articles.
    Export {
        /// What to export.
        #[arg(value_enum)]
        what: ExportWhat,
        /// The format.
        #[arg(long, value_enum, default_value = "csv")]
        format: FormatArg,
        /// Where to write (standard output by default).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Write the HTML report.
    Report {
        /// Where to write it (default: report.html next to the config).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum GateArg {
    /// Seed keywords (step 3).
    Seeds,
    /// Subtopics (step 8, with `subtopic_review = "human"`).
    Subtopics,
}

#[derive(Subcommand, Debug)]
enum ReviewAction {
    /// List the items with their facts and decisions (the default).
    List,
    /// Approve items.
    Approve(Selection),
    /// Reject items.
    Reject(Selection),
    /// Write the items to a CSV to decide in a spreadsheet (fill the `decision` column with
    /// approve or reject, and `feedback` if you like).
    Export {
        /// The CSV file.
        file: PathBuf,
    },
    /// Record the decisions of an edited CSV.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
struct Selection {
    /// Item ids (the short ids listed, or full ids).
    ids: Vec<String>,
    /// Keywords matching this pattern (`*` wildcards; without `*` a substring), repeatable.
    #[arg(long = "pattern", short)]
    patterns: Vec<String>,
    /// Every item still without a decision (decided items change only when named by id or
    /// pattern).
    #[arg(long)]
    all: bool,
    /// Why (recorded with the decision).
    #[arg(long)]
    feedback: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ExportWhat {
    /// Every keyword with metrics, filter decision and reasons, cluster.
    Keywords,
    /// One row per cluster member, with the cluster's validation.
    Clusters,
    /// Every article with scores, guards, cost and where it was published.
    Articles,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum FormatArg {
    /// CSV with a header row.
    Csv,
    /// A JSON array.
    Json,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::dispatch(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
