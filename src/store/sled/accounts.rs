//! Accounts and their API keys (stored as SHA-256, compared in constant time).

use super::keys::T;
use super::{SledStore, StoreError};
use crate::core::settings::Notify;
use crate::store::types::*;
use subtle::ConstantTimeEq;

impl SledStore {
    /// Creates the account or updates its key, and its notification settings when
    /// `notify` is given. Returns the account and the write's sequence.
    pub async fn upsert_account(
        &self,
        email: &str,
        profile: Profile<'_>,
        key_sha256: &str,
        notify: Option<Notify>,
        now: i64,
    ) -> Result<Account, StoreError> {
        let (name, logo_url) = profile.owned();
        let email_key = email.trim().to_ascii_lowercase().into_bytes();
        let key_sha256 = key_sha256.to_ascii_lowercase();
        self.write(|tx| {
            let existing: Option<u64> = tx.get(T::AccountEmails, &email_key)?;
            let account = match existing {
                Some(id) => {
                    let mut a: Account =
                        tx.get(T::Accounts, &id.to_be_bytes())?.ok_or_else(|| {
                            StoreError::Decode {
                                tree: T::Accounts.name(),
                                message: format!("account {id} indexed by email but missing"),
                            }
                        })?;
                    // Settings changed through the API survive a restart unless the
                    // config names settings of its own for this account.
                    if let Some(n) = &notify {
                        a.notify = n.clone();
                    }
                    a.name.clone_from(&name);
                    a.logo_url.clone_from(&logo_url);
                    if a.key_sha256 != key_sha256 {
                        tx.del(T::ApiKeys, hex_bytes(&a.key_sha256));
                        a.key_sha256.clone_from(&key_sha256);
                    }
                    a
                }
                None => {
                    let id = tx.get::<u64>(T::Meta, b"next_account_id")?.unwrap_or(1);
                    tx.put(T::Meta, b"next_account_id".to_vec(), &(id + 1));
                    tx.put(T::AccountEmails, email_key.clone(), &id);
                    Account {
                        id,
                        email: email.trim().to_string(),
                        key_sha256: key_sha256.clone(),
                        created_at: now,
                        notify: notify.clone().unwrap_or_default(),
                        name: name.clone(),
                        logo_url: logo_url.clone(),
                    }
                }
            };
            tx.put(T::ApiKeys, hex_bytes(&key_sha256), &account.id);
            tx.put(T::Accounts, account.id.to_be_bytes().to_vec(), &account);
            Ok(account)
        })
        .await
    }

    /// An account by id.
    pub fn account(&self, id: u64) -> Result<Option<Account>, StoreError> {
        self.get(T::Accounts, &id.to_be_bytes())
    }

    /// The account an API key belongs to.
    pub fn account_by_key(&self, api_key: &str) -> Result<Option<Account>, StoreError> {
        let presented = hash_key(api_key);
        let Some(id) = self.get::<u64>(T::ApiKeys, &hex_bytes(&presented))? else {
            return Ok(None);
        };
        let Some(account) = self.get::<Account>(T::Accounts, &id.to_be_bytes())? else {
            return Ok(None);
        };
        let same: bool = account
            .key_sha256
            .as_bytes()
            .ct_eq(presented.as_bytes())
            .into();
        Ok(same.then_some(account))
    }
}

fn hex_bytes(h: &str) -> Vec<u8> {
    hex::decode(h).unwrap_or_else(|_| h.as_bytes().to_vec())
}
