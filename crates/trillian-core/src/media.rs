//! Media of group chats and users: thumbnails made and decoded locally.

pub mod thumbnail;
