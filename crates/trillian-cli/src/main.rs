fn main() -> std::process::ExitCode {
    trillian_cli::main()
}
