//! Users and presence in the real app against its embedded sandbox: create, edit, avatar from a
//! file, disable, delete (typed confirmation); import a CSV of 200 users and find them in the
//! virtualised list; set a presence and see it in the table. Every step is checked on the server.

use fantoccini::Locator;
use trillian_api::{Client, Token};

use crate::harness::{App, Home, Step};

fn client(url: &str, domain: &str, token: &str) -> Client {
    Client::builder(url, domain, Token::new(token))
        .build()
        .expect("client")
}

async fn click_xpath(app: &App, xpath: &str, what: &str) -> Step {
    let el = app.wait_for(Locator::XPath(xpath), what).await?;
    el.click()
        .await
        .map_err(|e| format!("clicking {what}: {e}"))
}

/// Clicks the enabled button named `name` after scrolling it into view (panes scroll on their own).
async fn press(app: &App, name: &str) -> Step {
    let button = app.button(name).await?;
    let arg = serde_json::to_value(&button).map_err(|e| e.to_string())?;
    app.client
        .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
        .await
        .map_err(|e| format!("scrolling to {name:?}: {e}"))?;
    button
        .click()
        .await
        .map_err(|e| format!("clicking {name:?}: {e}"))
}

/// Types into the input inside the label that starts with `label`, within `scope` (XPath).
async fn type_into(app: &App, scope: &str, label: &str, text: &str) -> Step {
    let xpath = format!("{scope}//label[starts-with(normalize-space(), '{label}')]//input");
    let input = app.wait_for(Locator::XPath(&xpath), label).await?;
    input
        .clear()
        .await
        .map_err(|e| format!("clearing {label}: {e}"))?;
    input
        .send_keys(text)
        .await
        .map_err(|e| format!("typing into {label}: {e}"))
}

async fn server_user(api: &Client, im: &str) -> Option<trillian_api::model::User> {
    api.users().get(im).await.ok()
}

/// Polls the server until `ok` holds (the UI answered; the request may still be landing).
async fn eventually<F, Fut>(what: &str, mut ok: F) -> Step
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..50 {
        if ok().await {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Err(format!("on the server: {what}"))
}

#[tokio::test]
#[ignore = "e2e: run with --include-ignored inside scripts/test-env.sh"]
async fn users_created_edited_disabled_deleted_imported_and_presence_set() {
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let csv = files.path().join("new-staff.csv");
    let mut text = String::from("im,display name,email,password\n");
    for i in 0..200 {
        text.push_str(&format!(
            "e2eimport{i:03},Imported Person {i},e2eimport{i}@mail.test,tide-pool-{i}x\n"
        ));
    }
    std::fs::write(&csv, text).expect("csv file");
    let png = files.path().join("face.png");

    // First run: the sandbox comes up; borrow a demo avatar as the image file to drop in.
    let app = App::launch("users_boot", &home, &["--sandbox"]).await;
    app.check(app.dashboard_counts().await).await;
    let (url, domain, token) = app.check(crate::sandbox_of_app(&home)).await;
    let api = client(&url, &domain, &token);
    let demo = api.users().list().await.expect("users");
    let mut image = None;
    for u in &demo {
        if let Ok(a) = api.users().avatar(&u.name).get().await {
            image = Some(a.bytes);
            break;
        }
    }
    std::fs::write(&png, image.expect("a demo avatar")).expect("png file");
    app.quit().await;

    let pick = std::env::join_paths([&csv, &png]).expect("paths");
    let app = App::launch_with(
        "users",
        &home,
        &["--sandbox"],
        &[("TRILLIAN_E2E_PICK_FILES", pick.as_os_str())],
    )
    .await;
    app.check(app.dashboard_counts().await).await;
    let (url, domain, token) = app.check(crate::sandbox_of_app(&home)).await;
    let api = client(&url, &domain, &token);
    let address = format!("e2euser@{domain}");

    app.check(app.click_link("Users").await).await;
    app.check(app.settled("Users").await).await;
    let cell = format!("//*[@role='gridcell'][contains(., '@{domain}')]");
    app.check(app.wait_for(Locator::XPath(&cell), "user rows").await)
        .await;
    app.screenshot("users").await;

    // Create.
    app.check(press(&app, "New user").await).await;
    let form = "//form[@aria-label='Create a user']";
    app.check(type_into(&app, form, "IM address", "e2euser").await)
        .await;
    app.check(type_into(&app, form, "Password", "tide-pool-77").await)
        .await;
    app.check(type_into(&app, form, "Display name", "Erin Twoe").await)
        .await;
    app.check(type_into(&app, form, "E-mail", "erin@mail.test").await)
        .await;
    app.check(press(&app, "Create user").await).await;
    let pane = format!("//aside[@aria-label='User {address}']");
    app.check(app.wait_for(Locator::XPath(&pane), "detail pane").await)
        .await;
    app.check(
        eventually("created", || async {
            server_user(&api, &address).await.is_some()
        })
        .await,
    )
    .await;

    // Edit.
    app.check(type_into(&app, &pane, "Display name", "Erin Renamed").await)
        .await;
    app.check(press(&app, "Save changes").await).await;
    app.check(
        eventually("renamed", || async {
            server_user(&api, &address)
                .await
                .is_some_and(|u| u.displayname == "Erin Renamed")
        })
        .await,
    )
    .await;

    // Avatar from a file (the dialog's answer comes from TRILLIAN_E2E_PICK_FILES).
    app.check(press(&app, "Choose avatar image…").await).await;
    let img = format!("{pane}//img[@alt='Avatar of {address}']");
    app.check(app.wait_for(Locator::XPath(&img), "avatar shown").await)
        .await;
    let stored = api.users().avatar(&address).get().await;
    if !stored.is_ok_and(|a| a.bytes.starts_with(b"\x89PNG")) {
        app.fail_now("the avatar is not a PNG on the server").await;
    }
    app.screenshot("user-detail").await;

    // Disable: kept, cannot sign in.
    app.check(press(&app, "Disable user").await).await;
    app.check(
        eventually("disabled", || async {
            server_user(&api, &address)
                .await
                .is_some_and(|u| u.is_disabled())
        })
        .await,
    )
    .await;

    // Delete: typed confirmation.
    app.check(press(&app, "Delete user…").await).await;
    app.check(type_into(&app, &pane, "Type the address", &address).await)
        .await;
    app.check(press(&app, "Delete for good").await).await;
    app.check(
        eventually("deleted", || async {
            server_user(&api, &address).await.is_none()
        })
        .await,
    )
    .await;

    // Import 200 users from the CSV file.
    app.check(press(&app, "Import CSV…").await).await;
    app.check(press(&app, "Choose CSV file…").await).await;
    app.check(
        app.wait_text("[aria-label='Import users from CSV']", "preview", |t| {
            t.contains("200 to create")
        })
        .await,
    )
    .await;
    app.screenshot("users-import-preview").await;
    app.check(press(&app, "Import 200 users").await).await;
    app.check(
        app.wait_text("[aria-label='Import']", "import result", |t| {
            t.contains("200 done")
        })
        .await,
    )
    .await;
    app.screenshot("users-import-done").await;
    let imported = api
        .users()
        .list()
        .await
        .expect("list")
        .iter()
        .filter(|u| u.name.starts_with("e2eimport"))
        .count();
    if imported != 200 {
        app.fail_now(&format!("{imported} imported users on the server"))
            .await;
    }
    let search = app
        .check(
            app.wait_for(Locator::Css("input[aria-label='Search users']"), "search")
                .await,
        )
        .await;
    app.check(search.clear().await.map_err(|e| e.to_string()))
        .await;
    app.check(
        search
            .send_keys("e2eimport")
            .await
            .map_err(|e| e.to_string()),
    )
    .await;
    app.check(
        app.wait_text(".count", "filtered count", |t| t.starts_with("200 of"))
            .await,
    )
    .await;
    let imported_cell = "//*[@role='gridcell'][starts-with(normalize-space(), 'e2eimport000@')]";
    app.check(
        app.wait_for(Locator::XPath(imported_cell), "imported rows")
            .await,
    )
    .await;

    // Presence: set one, see it in the table.
    let who = demo.first().map(|u| u.name.clone()).expect("a demo user");
    app.check(app.click_link("Presence").await).await;
    app.check(app.settled("Presence").await).await;
    let set_form = "//form[@aria-label=\"Set a user's presence\"]";
    app.check(type_into(&app, set_form, "User", &who).await)
        .await;
    app.check(
        click_xpath(
            &app,
            &format!("{set_form}//option[normalize-space()='Away']"),
            "Away",
        )
        .await,
    )
    .await;
    app.check(type_into(&app, set_form, "Message", "Testing from e2e").await)
        .await;
    app.check(press(&app, "Set presence").await).await;
    let row = format!("//tr[td[normalize-space()='{who}']]");
    app.check(app.wait_for(Locator::XPath(&row), "presence row").await)
        .await;
    app.check(
        app.wait_text("table.data tbody", "presence table", |t| {
            t.contains("Testing from e2e")
        })
        .await,
    )
    .await;
    let presence = api.presence().list().await.expect("presence");
    let p = presence.iter().find(|p| p.name == who);
    if p.map(|p| (p.status.code(), p.message.as_str())) != Some((2, "Testing from e2e")) {
        app.fail_now("the presence is not on the server").await;
    }
    app.screenshot("presence").await;
    app.client
        .execute("document.documentElement.dataset.theme = 'dark';", vec![])
        .await
        .ok();
    app.screenshot("presence-dark").await;
    app.check(app.click_link("Users").await).await;
    app.check(app.settled("Users").await).await;
    app.screenshot("users-dark").await;
    app.quit().await;
}
