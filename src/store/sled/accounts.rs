//! Accounts and their API keys (stored as SHA-256, compared in constant time).

use super::keys::T;
use super::{SledStore, StoreError};
use crate::core::account::{email_key, keys_dropped, plan_retire, plan_upsert, AccountSpec};
use crate::core::connect::settings::ConnectSettings;
use crate::core::settings::Notify;
use crate::core::settings::{NotifyChange, SettingsError};
use crate::store::backend::Accounts;
use crate::store::types::*;
use async_trait::async_trait;

#[async_trait]
impl Accounts for SledStore {
    /// Creates the account or updates its keys, and its notification settings when
    /// `notify` is given.
    async fn upsert_account(
        &self,
        email: &str,
        profile: Profile<'_>,
        key_sha256s: &[String],
        notify: Option<Notify>,
        now: i64,
    ) -> Result<Account, StoreError> {
        let email_key = email_key(email).into_bytes();
        self.write(|tx| {
            let existing = match tx.get::<u64>(T::AccountEmails, &email_key)? {
                Some(id) => Some(
                    tx.get::<Account>(T::Accounts, &id.to_be_bytes())?
                        .ok_or_else(|| StoreError::Decode {
                            tree: T::Accounts.name(),
                            message: format!("account {id} indexed by email but missing"),
                        })?,
                ),
                None => None,
            };
            let next_id = tx.get::<u64>(T::Meta, b"next_account_id")?.unwrap_or(1);
            let spec = AccountSpec {
                email,
                profile,
                key_sha256s,
                notify,
            };
            let account = plan_upsert(existing.clone(), spec, next_id, now);
            if existing.is_none() {
                tx.put(T::Meta, b"next_account_id".to_vec(), &(next_id + 1));
                tx.put(T::AccountEmails, email_key.clone(), &account.id);
            }
            for old in keys_dropped(existing.as_ref(), &account) {
                // Only while it points here: the key may have moved to another account.
                if tx.get::<u64>(T::ApiKeys, &hex_bytes(old))? == Some(account.id) {
                    tx.del(T::ApiKeys, hex_bytes(old));
                }
            }
            // A key belongs to one account: the one that names it last.
            for k in &account.key_sha256s {
                tx.put(T::ApiKeys, hex_bytes(k), &account.id);
            }
            tx.put(T::Accounts, account.id.to_be_bytes().to_vec(), &account);
            Ok(account)
        })
        .await
    }

    /// Disables the accounts not configured (few: a scan of the accounts).
    async fn retire_accounts(
        &self,
        configured: &[String],
        now: i64,
    ) -> Result<Vec<Account>, StoreError> {
        let rows = self
            .tree(T::Accounts)
            .iter()
            .values()
            .map(|v| super::decode::<Account>(T::Accounts, &v?))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write(|tx| {
            let mut retired = Vec::new();
            for a in rows {
                if configured.contains(&email_key(&a.email)) {
                    continue;
                }
                // As it is now, under the writer lock.
                let Some(a) = tx.get::<Account>(T::Accounts, &a.id.to_be_bytes())? else {
                    continue;
                };
                match plan_retire(&a, now) {
                    Some(off) => {
                        tx.put(T::Accounts, off.id.to_be_bytes().to_vec(), &off);
                        retired.push(off);
                    }
                    None => retired.push(a),
                }
            }
            Ok(retired)
        })
        .await
    }

    /// An account by id.
    async fn account(&self, id: u64) -> Result<Option<Account>, StoreError> {
        self.get(T::Accounts, &id.to_be_bytes())
    }

    /// The account an API key belongs to.
    async fn account_by_key(&self, api_key: &str) -> Result<Option<Account>, StoreError> {
        let presented = hash_key(api_key);
        let Some(id) = self.get::<u64>(T::ApiKeys, &hex_bytes(&presented))? else {
            return Ok(None);
        };
        let Some(account) = self.get::<Account>(T::Accounts, &id.to_be_bytes())? else {
            return Ok(None);
        };
        Ok(account.admits(&presented).then_some(account))
    }

    async fn set_connect(
        &self,
        account: u64,
        connect: ConnectSettings,
    ) -> Result<Option<Account>, StoreError> {
        self.write(|tx| {
            let key = account.to_be_bytes();
            let Some(mut a) = tx.get::<Account>(T::Accounts, &key)? else {
                return Ok(None);
            };
            a.connect = connect;
            tx.put(T::Accounts, key.to_vec(), &a);
            Ok(Some(a))
        })
        .await
    }

    async fn connected_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let mut out = Vec::new();
        for v in self.tree(T::Accounts).iter().values() {
            let a: Account = super::decode(T::Accounts, &v?)?;
            if !a.connect.is_empty() {
                out.push(a);
            }
        }
        Ok(out)
    }

    async fn set_notify(
        &self,
        account: u64,
        change: &NotifyChange,
    ) -> Result<Result<Notify, SettingsError>, StoreError> {
        self.write(|tx| {
            let key = account.to_be_bytes();
            let Some(mut a) = tx.get::<Account>(T::Accounts, &key)? else {
                return Ok(change.apply(&Notify::default()));
            };
            // Read and changed under the writer lock: a destination disabled by a
            // delivery meanwhile is not overwritten with what was read before.
            match change.apply(&a.notify) {
                Ok(n) => a.notify = n,
                Err(e) => return Ok(Err(e)),
            }
            tx.put(T::Accounts, key.to_vec(), &a);
            Ok(Ok(a.notify))
        })
        .await
    }
}

fn hex_bytes(h: &str) -> Vec<u8> {
    hex::decode(h).unwrap_or_else(|_| h.as_bytes().to_vec())
}
