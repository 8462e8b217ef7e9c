// Documents and peers shared by the benchmarks (included, not a module: each bench is a crate).

fn users_doc(n: usize) -> String {
    let users: Vec<User> = (0..n)
        .map(|i| User {
            name: format!("user{i:06}@ceruleanstudios.com"),
            displayname: format!("User Number {i} & Co"),
            email: format!("user{i:06}@ceruleanstudios.com"),
            group: (i % 40) as u64 + 1,
            policy: (i % 3) as u64,
            flags: UserFlags::from_bits_retain((i % 7 == 0) as u32),
            created_at: 1_464_196_000 + i as u64,
            addressbook_href: Some(format!(
                "https://api.trillian.im/v2/ceruleanstudios.com/users/user{i:06}%40ceruleanstudios.com/addressbook/"
            )),
            media_href: Some(format!(
                "https://api.trillian.im/v2/ceruleanstudios.com/users/user{i:06}%40ceruleanstudios.com/media/"
            )),
            messages_href: Some(format!(
                "https://api.trillian.im/v2/ceruleanstudios.com/users/user{i:06}%40ceruleanstudios.com/messages/"
            )),
        })
        .collect();
    encode_list(&users)
}

fn messages_doc(n: usize) -> String {
    let texts = [
        "This is a test of our new group chat.",
        "Looks like it's working.",
        "Great - have a lovely day! <3 & see you",
        "Meeting at 10:00 in room \"Blue\"; bring the Q3 numbers, please.",
    ];
    let messages: Vec<Message> = (0..n)
        .map(|i| Message {
            timestamp: 1_464_200_972_389 + i as u64 * 1000,
            from: format!("user{:03}@ceruleanstudios.com", i % 50),
            text: texts[i % texts.len()].to_owned(),
        })
        .collect();
    encode_messages(&messages)
}

/// The ceiling: every event and attribute read, nothing kept.
fn raw_scan(doc: &str) -> usize {
    let mut reader = Reader::from_str(doc);
    let mut n = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => return n,
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let mut attrs = e.attributes();
                attrs.with_checks(false);
                n += attrs.count();
            }
            Ok(_) => n += 1,
        }
    }
}
