//! Account rows of older releases, and the steps at open that rewrite them: before
//! several keys per account ([`AccountV1`]), before shop connectors
//! ([`AccountV2`]), before alerts ([`AccountV3`], whose settings are
//! `notify_rows::NotifyV1`), and before webhook endpoints ([`AccountV4`], with
//! `notify_rows::NotifyV2`). Rows are positional (postcard), so each old layout is kept here
//! as a type of its own and read only by its step.

use super::keys::T;
use super::notify_rows::{NotifyV1, NotifyV2};
use super::{decode, encode, SledStore, StoreError};
use crate::core::account::Account;
use serde::{Deserialize, Serialize};

/// Set once every account row lists its keys (`key_sha256s`).
const ACCOUNTS_KEYED: &[u8] = b"accounts_keyed";
/// Set once every account row has its connectors (`connect`).
const ACCOUNTS_CONNECT: &[u8] = b"accounts_connect";
/// Set once every account row has alert settings and named rules.
const ACCOUNTS_ALERTS: &[u8] = b"accounts_alerts";
/// Set once every account row has webhook endpoints.
const ACCOUNTS_ENDPOINTS: &[u8] = b"accounts_endpoints";
/// Every marker: a directory written in today's layout has them all.
const ALL_MARKERS: [&[u8]; 4] = [
    ACCOUNTS_KEYED,
    ACCOUNTS_CONNECT,
    ACCOUNTS_ALERTS,
    ACCOUNTS_ENDPOINTS,
];

/// An account row as releases before several keys wrote it (in JSON before the
/// compact encoding, then in that encoding).
#[derive(Serialize, Deserialize)]
pub(super) struct AccountV1 {
    id: u64,
    email: String,
    key_sha256: String,
    created_at: i64,
    #[serde(default)]
    notify: NotifyV1,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    logo_url: Option<String>,
}

impl From<AccountV1> for Account {
    fn from(a: AccountV1) -> Account {
        Account {
            id: a.id,
            email: a.email,
            key_sha256s: vec![a.key_sha256],
            created_at: a.created_at,
            disabled_at: None,
            notify: a.notify.into(),
            name: a.name,
            logo_url: a.logo_url,
            timezone: None,
            connect: Default::default(),
        }
    }
}

/// An account row as releases with several keys and before shop connectors wrote it.
#[derive(Serialize, Deserialize)]
pub(super) struct AccountV2 {
    id: u64,
    email: String,
    key_sha256s: Vec<String>,
    created_at: i64,
    disabled_at: Option<i64>,
    notify: NotifyV1,
    name: Option<String>,
    logo_url: Option<String>,
    timezone: Option<String>,
}

impl From<AccountV2> for Account {
    fn from(a: AccountV2) -> Account {
        Account::from(AccountV3 {
            id: a.id,
            email: a.email,
            key_sha256s: a.key_sha256s,
            created_at: a.created_at,
            disabled_at: a.disabled_at,
            notify: a.notify,
            name: a.name,
            logo_url: a.logo_url,
            timezone: a.timezone,
            connect: Default::default(),
        })
    }
}

/// An account row as releases with shop connectors wrote it, before alerts
/// ([`AccountV3`]) and before webhook endpoints ([`AccountV4`]): the two differ
/// only in their notification settings, `N`.
#[derive(Serialize, Deserialize)]
pub(super) struct AccountRow<N> {
    id: u64,
    email: String,
    key_sha256s: Vec<String>,
    created_at: i64,
    disabled_at: Option<i64>,
    notify: N,
    name: Option<String>,
    logo_url: Option<String>,
    timezone: Option<String>,
    connect: crate::core::connect::settings::ConnectSettings,
}

/// An account row as releases with shop connectors and before alerts wrote it.
pub(super) type AccountV3 = AccountRow<NotifyV1>;

/// An account row as releases with alerts and before webhook endpoints wrote it.
pub(super) type AccountV4 = AccountRow<NotifyV2>;

impl<N: Into<crate::core::settings::Notify>> From<AccountRow<N>> for Account {
    fn from(a: AccountRow<N>) -> Account {
        Account {
            id: a.id,
            email: a.email,
            key_sha256s: a.key_sha256s,
            created_at: a.created_at,
            disabled_at: a.disabled_at,
            notify: a.notify.into(),
            name: a.name,
            logo_url: a.logo_url,
            timezone: a.timezone,
            connect: a.connect,
        }
    }
}

impl SledStore {
    /// Rewrites every account row in the layout that lists keys, all in one atomic
    /// batch (accounts are few), so a crash leaves either layout, never both; the
    /// key index (hash → id) is unchanged. Runs after the compact-encoding step,
    /// which writes old JSON account rows as [`AccountV1`].
    pub(super) fn migrate_accounts(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(ACCOUNTS_KEYED)?.is_some() {
            return self.migrate_account_connect();
        }
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for kv in self.tree(T::Accounts).iter() {
            let (k, v) = kv?;
            let old: AccountV1 = decode(T::Accounts, &v)?;
            batch.insert(
                super::rows::key(T::Accounts, &k),
                encode(&Account::from(old)),
            );
            n += 1;
        }
        // Written in today's layout: the later steps have nothing to do.
        for marker in ALL_MARKERS {
            batch.insert(super::rows::key(T::Meta, marker), vec![1u8]);
        }
        self.inner.rows.apply_batch(batch)?;
        self.inner.db.flush()?;
        if n > 0 {
            tracing::info!(accounts = n, "account rows rewritten to list their keys");
        }
        Ok(())
    }

    /// Rewrites every [`AccountV2`] row with (no) connectors, in one atomic batch.
    fn migrate_account_connect(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(ACCOUNTS_CONNECT)?.is_some() {
            return self.migrate_account_alerts();
        }
        // Written in today's layout: the later steps have nothing to do.
        self.rewrite_accounts::<AccountV2>(&ALL_MARKERS[1..])
    }

    /// Rewrites every [`AccountV3`] row with named rules and alert thresholds.
    fn migrate_account_alerts(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(ACCOUNTS_ALERTS)?.is_some() {
            return self.migrate_account_endpoints();
        }
        self.rewrite_accounts::<AccountV3>(&ALL_MARKERS[2..])
    }

    /// Rewrites every [`AccountV4`] row with its webhook as the first endpoint.
    fn migrate_account_endpoints(&self) -> Result<(), StoreError> {
        if self.tree(T::Meta).get(ACCOUNTS_ENDPOINTS)?.is_some() {
            return Ok(());
        }
        self.rewrite_accounts::<AccountV4>(&ALL_MARKERS[3..])
    }

    /// Rewrites every account row, read as `Old`, in one atomic batch that also
    /// sets `markers`.
    fn rewrite_accounts<Old>(&self, markers: &[&[u8]]) -> Result<(), StoreError>
    where
        Old: serde::de::DeserializeOwned + Into<Account>,
    {
        let mut batch = sled::Batch::default();
        for kv in self.tree(T::Accounts).iter() {
            let (k, v) = kv?;
            let old: Old = decode(T::Accounts, &v)?;
            batch.insert(super::rows::key(T::Accounts, &k), encode(&old.into()));
        }
        for marker in markers {
            batch.insert(super::rows::key(T::Meta, marker), vec![1u8]);
        }
        self.inner.rows.apply_batch(batch)?;
        self.inner.db.flush()?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "account_rows_tests.rs"]
mod tests;
