//! Presence of users and the devices they are signed in from.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

/// A presence status. Numbers the reference does not name are kept in `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PresenceStatus {
    #[default]
    Offline,
    Online,
    Away,
    DoNotDisturb,
    Invisible,
    Idle,
    Unknown(u32),
}

impl PresenceStatus {
    /// The wire number.
    pub fn code(self) -> u32 {
        match self {
            PresenceStatus::Offline => 0,
            PresenceStatus::Online => 1,
            PresenceStatus::Away => 2,
            PresenceStatus::DoNotDisturb => 3,
            PresenceStatus::Invisible => 4,
            PresenceStatus::Idle => 5,
            PresenceStatus::Unknown(n) => n,
        }
    }

    /// From the wire number.
    pub fn from_code(code: u32) -> PresenceStatus {
        match code {
            0 => PresenceStatus::Offline,
            1 => PresenceStatus::Online,
            2 => PresenceStatus::Away,
            3 => PresenceStatus::DoNotDisturb,
            4 => PresenceStatus::Invisible,
            5 => PresenceStatus::Idle,
            n => PresenceStatus::Unknown(n),
        }
    }

    /// An English label for display.
    pub fn label(self) -> &'static str {
        match self {
            PresenceStatus::Offline => "Offline",
            PresenceStatus::Online => "Online",
            PresenceStatus::Away => "Away",
            PresenceStatus::DoNotDisturb => "Do not disturb",
            PresenceStatus::Invisible => "Invisible",
            PresenceStatus::Idle => "Idle",
            PresenceStatus::Unknown(_) => "Unknown",
        }
    }
}

/// Serialised as its wire number.
impl Serialize for PresenceStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.code())
    }
}

impl<'de> Deserialize<'de> for PresenceStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(PresenceStatus::from_code(u32::deserialize(d)?))
    }
}

/// One device a user is signed in from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Device {
    /// IPv4 address as sent: network byte order read as little-endian. See [`Device::ip_dotted`].
    pub ip: u32,
    pub name: String,
    pub platform: String,
    pub version: String,
    pub build: String,
}

impl Device {
    /// The address as an [`Ipv4Addr`]: 2315364544 is 192.168.1.138.
    pub fn ipv4(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.ip.to_le_bytes())
    }

    /// The address dotted: `"192.168.1.138"` for 2315364544.
    pub fn ip_dotted(&self) -> String {
        self.ipv4().to_string()
    }

    /// The wire number of an address (the inverse of [`Device::ipv4`]).
    pub fn ip_from(addr: Ipv4Addr) -> u32 {
        u32::from_le_bytes(addr.octets())
    }
}

/// The presence of one user.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Presence {
    /// IM address.
    pub name: String,
    pub status: PresenceStatus,
    pub message: String,
    /// Unix seconds.
    pub timestamp: u64,
    pub devices: Vec<Device>,
}

/// Parameters of "Update a user's presence": only the fields that are `Some` are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PresenceUpdate {
    pub status: Option<PresenceStatus>,
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_is_little_endian_of_network_order() {
        let d = Device {
            ip: 2_315_364_544,
            ..Device::default()
        };
        assert_eq!(d.ip_dotted(), "192.168.1.138", "DECISIONS.md example");
        assert_eq!(
            Device::ip_from(Ipv4Addr::new(192, 168, 1, 138)),
            2_315_364_544
        );
    }

    #[test]
    fn status_codes_round_trip() {
        for n in 0..10 {
            assert_eq!(PresenceStatus::from_code(n).code(), n);
        }
        assert_eq!(PresenceStatus::from_code(9), PresenceStatus::Unknown(9));
    }
}
