#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    cumbre::cli::main()
}
