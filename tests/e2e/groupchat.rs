//! Group chats and message history in the real app: create a group chat, add two members, make
//! one Op (checked on the server); store an identity's token, send a message as that user and
//! find it in the week view; delete the week after typing the confirmation (gone on the server).

use std::time::{Duration, Instant};

use fantoccini::Locator;
use trillian_api::{Client, Expand, Token};
use trillian_sandbox::Config;

use crate::harness::{App, Home, Step};

async fn click_xpath(app: &App, xpath: &str, what: &str) -> Step {
    let el = app.wait_for(Locator::XPath(xpath), what).await?;
    el.click()
        .await
        .map_err(|e| format!("clicking {what}: {e}"))
}

/// Types into the input (or textarea) inside the label that starts with `label`.
async fn type_into(app: &App, label: &str, text: &str) -> Step {
    let xpath = format!(
        "//label[starts-with(normalize-space(), \"{label}\")]//*[self::input or self::textarea]"
    );
    let el = app
        .wait_for(Locator::XPath(&xpath), &format!("field {label:?}"))
        .await?;
    el.clear()
        .await
        .map_err(|e| format!("clearing {label:?}: {e}"))?;
    el.send_keys(text)
        .await
        .map_err(|e| format!("typing into {label:?}: {e}"))
}

/// Polls the server until `ok` holds for what `probe` answers.
async fn until<T, F, Fut>(what: &str, probe: F, ok: impl Fn(&T) -> bool) -> Step<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await
            && ok(&v)
        {
            return Ok(v);
        }
        if start.elapsed() > Duration::from_secs(20) {
            return Err(format!("the server never showed {what}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "e2e: run with --include-ignored inside scripts/test-env.sh"]
async fn group_chat_members_op_message_and_week_deletion() {
    let home = Home::new();
    let app = App::launch("groupchat", &home, &["--sandbox"]).await;
    app.check(app.dashboard_counts().await).await;
    let (url, domain, token) = app.check(crate::sandbox_of_app(&home)).await;
    let api = Client::builder(&url, &domain, Token::new(token))
        .build()
        .expect("client");
    let mut users = api.users().list().await.expect("users");
    users.sort_by(|a, b| a.name.cmp(&b.name));
    let (first, second) = (users[0].name.clone(), users[1].name.clone());
    // The test's own way to a user token: the sandbox's database in the app's data folder.
    let db = home.data().join("trillian-server-admin/sandbox.sqlite3");
    let state = trillian_sandbox::AppState::open(&Config::new(domain.clone()).db_path(&db), &url)
        .expect("sandbox database");
    let user_token = state
        .user_token(&domain, &first)
        .expect("read token")
        .expect("demo users have tokens");

    // Create.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let title = format!("E2E room {:04x}", nonce & 0xffff);
    app.check(app.click_link("Group chats").await).await;
    app.check(app.click("New group chat").await).await;
    app.check(type_into(&app, "Display name", &title).await)
        .await;
    app.check(type_into(&app, "Topic", "Testing <b>escapes</b> & more").await)
        .await;
    app.check(app.click("Create").await).await;
    app.check(app.wait_text("h1", "detail heading", |t| t == title).await)
        .await;
    let chat = api
        .groupchats()
        .list(Expand::empty())
        .await
        .expect("chats")
        .into_iter()
        .find(|c| c.displayname == title)
        .expect("the chat is on the server");
    app.screenshot("groupchat-details").await;

    // Two members, then Op for one.
    app.check(
        click_xpath(
            &app,
            "//button[@role='tab'][normalize-space()='Members']",
            "Members tab",
        )
        .await,
    )
    .await;
    app.check(app.click("Add members…").await).await;
    for im in [&first, &second] {
        let xpath = format!(
            "//div[@aria-label='Users to add']//label[.//span[normalize-space()='{im}']]/input"
        );
        app.check(click_xpath(&app, &xpath, im).await).await;
    }
    app.check(app.click("Add 2 users").await).await;
    let op_switch = format!("//input[@aria-label='Op for {first}']");
    app.check(click_xpath(&app, &op_switch, "Op switch").await)
        .await;
    let members = app
        .check(
            until(
                "two members, one of them Op",
                || async { api.groupchats().members(&chat.name).list().await.ok() },
                |ms| {
                    ms.len() == 2
                        && ms
                            .iter()
                            .any(|m| m.name == first && m.flags.bits() & 1 == 1)
                        && ms
                            .iter()
                            .any(|m| m.name == second && m.flags.bits() & 1 == 0)
                },
            )
            .await,
        )
        .await;
    assert_eq!(members.len(), 2);
    app.screenshot("groupchat-members").await;

    // Send as the Op, with the user's own token stored through the password field.
    app.check(
        click_xpath(
            &app,
            "//button[@role='tab'][normalize-space()='History']",
            "History tab",
        )
        .await,
    )
    .await;
    app.check(app.click("Add identity token…").await).await;
    app.check(type_into(&app, "User (IM address)", &first).await)
        .await;
    app.check(type_into(&app, "That user's API token", &user_token).await)
        .await;
    app.check(app.click("Store in keychain").await).await;
    let text = format!("Hello from the e2e test <script>x</script> {nonce}");
    app.check(type_into(&app, "Message", &text).await).await;
    app.check(app.click("Send").await).await;
    let week_text = app
        .wait_text("[role='region'][aria-label^='Week ']", "week view", |t| {
            t.contains(&text)
        })
        .await;
    app.check(week_text).await;
    app.screenshot("groupchat-history").await;
    let history = api
        .groupchats()
        .messages(&chat.name)
        .weeks()
        .await
        .expect("weeks");
    assert_eq!(history.weeks.len(), 1, "one week on the server");
    let week = &history.weeks[0];
    let label = format!("{}-W{:02}", week.year, week.week);

    // Delete the week: the button waits for the typed phrase.
    app.check(app.click("Delete week…").await).await;
    let delete_disabled = "//div[@role='dialog']//button[normalize-space()='Delete'][@disabled]";
    app.check(
        app.wait_for(
            Locator::XPath(delete_disabled),
            "Delete disabled before typing",
        )
        .await,
    )
    .await;
    app.check(type_into(&app, "Type", &format!("delete week {label}")).await)
        .await;
    app.screenshot("groupchat-confirm").await;
    app.check(
        click_xpath(
            &app,
            "//div[@role='dialog']//button[normalize-space()='Delete'][not(@disabled)]",
            "Delete",
        )
        .await,
    )
    .await;
    app.check(
        until(
            "the week deleted",
            || async { api.groupchats().messages(&chat.name).weeks().await.ok() },
            |h| h.weeks.iter().all(|w| w.messages == 0),
        )
        .await,
    )
    .await;
    app.check(
        app.wait_text(
            "section[aria-label='Message history']",
            "empty history",
            |t| t.contains("No messages yet."),
        )
        .await,
    )
    .await;
    // The list, light and dark.
    app.check(app.click_link("← Group chats").await).await;
    app.check(
        app.wait_for(
            Locator::XPath(&format!("//a[normalize-space()='{title}']")),
            "the new chat listed",
        )
        .await,
    )
    .await;
    app.screenshot("groupchats-list").await;
    let _ = app
        .client
        .execute("document.documentElement.dataset.theme = 'dark'", vec![])
        .await;
    app.screenshot("groupchats-list-dark").await;
    app.quit().await;
}
