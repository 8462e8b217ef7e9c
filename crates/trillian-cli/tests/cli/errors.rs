//! Exit codes and the token's absence from every output, whatever fails.

use crate::common::{Invocation, SENTINEL_TOKEN, server};

#[test]
fn wrong_token_exits_3_and_never_shows_the_token() {
    let run = Invocation::one_off(&server().url, SENTINEL_TOKEN)
        .run(&["users", "list"])
        .code(3);
    assert!(
        run.stdout.is_empty(),
        "nothing on stdout on failure: {}",
        run.stdout
    );
    // The same with JSON output, and on an update (a PATCH).
    let inv = Invocation::one_off(&server().url, SENTINEL_TOKEN);
    inv.run(&["--output", "json", "groups", "list"]).code(3);
    inv.run(&["--output", "json", "policies", "list"]).code(3);
    inv.run(&["groups", "update", "1", "--displayname", "x"])
        .code(3);
}

#[test]
fn unreachable_server_exits_4_and_never_shows_the_token() {
    // A port that was just free: nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let run = Invocation::one_off(&url, SENTINEL_TOKEN)
        .run(&["users", "list"])
        .code(4);
    assert!(run.stdout.is_empty(), "nothing on stdout on failure");
    Invocation::one_off(&url, SENTINEL_TOKEN)
        .run(&["--output", "json", "presence", "list"])
        .code(4);
}

#[test]
fn missing_argument_exits_2() {
    let inv = Invocation::admin();
    let run = inv.run(&["users", "get"]).code(2);
    assert!(
        run.stderr.contains("<IM>"),
        "clap names the missing argument: {}",
        run.stderr
    );
    inv.run(&["groups", "peers", "add", "1"]).code(2);
    inv.run(&["frobnicate"]).code(2);
    inv.run(&["groups", "get", "not-a-number"]).code(2);
    inv.run(&["presence", "set", "a@example.com", "--status", "busy"])
        .code(2);
    // --url without --domain.
    Invocation::admin()
        .run(&["--url", "http://127.0.0.1:1", "users", "list"])
        .code(2);
}

#[test]
fn no_token_and_no_profile_exits_3() {
    let mut inv = Invocation::admin();
    inv.env.retain(|(k, _)| k != "TRILLIAN_TOKEN");
    let run = inv.run(&["users", "list"]).code(3);
    assert!(
        run.stderr.contains("TRILLIAN_TOKEN"),
        "says where the token goes: {}",
        run.stderr
    );
}

#[test]
fn a_token_argument_does_not_exist() {
    Invocation::admin()
        .run(&["users", "list", "--token", "abc"])
        .code(2);
}

#[test]
fn server_reason_is_on_stderr_with_exit_1() {
    let run = Invocation::admin()
        .run(&["users", "get", "nobody-here@example.com"])
        .code(1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.starts_with("trillian: "),
        "one prefixed line: {}",
        run.stderr
    );
}

#[test]
fn help_and_completions_exit_0() {
    let inv = Invocation::admin();
    let help = inv.run(&["--help"]).ok();
    for area in [
        "profile",
        "users",
        "groups",
        "policies",
        "groupchats",
        "presence",
        "completions",
    ] {
        assert!(help.stdout.contains(area), "--help lists `{area}`");
    }
    inv.run(&["groupchats", "messages", "delete", "--help"])
        .ok();
    let bash = inv.run(&["completions", "bash"]).ok();
    assert!(bash.stdout.contains("trillian"), "a bash completion script");
    assert!(bash.stdout.contains("groupchats"), "covers the subcommands");
    inv.run(&["completions", "zsh"]).ok();
}
