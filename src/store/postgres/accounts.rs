//! Accounts and their API keys (stored as SHA-256, compared in constant time).

use super::db::Db;
use super::{decode, PgStore};
use crate::core::account::{email_key, plan_retire, plan_upsert, AccountSpec};
use crate::core::connect::settings::ConnectSettings;
use crate::core::settings::{Notify, NotifyChange, SettingsError};
use crate::store::backend::Accounts;
use crate::store::types::*;
use async_trait::async_trait;
use tokio_postgres::types::Json;

#[async_trait]
impl Accounts for PgStore {
    /// Creates the account or updates its keys, profile and (when given) its
    /// notification settings.
    async fn upsert_account(
        &self,
        email: &str,
        profile: Profile<'_>,
        key_sha256s: &[String],
        notify: Option<Notify>,
        now: i64,
    ) -> Result<Account, StoreError> {
        let email_key = email_key(email);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Nodes starting together upsert the same accounts: one at a time.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            &[&format!("account:{email_key}")],
        )
        .await?;
        let existing = tx
            .query_opt(
                "SELECT row FROM accounts WHERE email_key = $1",
                &[&email_key],
            )
            .await?;
        let existing = match existing {
            Some(row) => Some(
                row.try_get::<_, Json<Account>>(0)
                    .map_err(|e| decode("accounts", e))?
                    .0,
            ),
            None => None,
        };
        let new_id = match existing {
            Some(_) => 0,
            None => {
                let id: i64 = tx
                    .query_one("SELECT nextval('account_ids')", &[])
                    .await?
                    .get(0);
                id as u64
            }
        };
        let spec = AccountSpec {
            email,
            profile,
            key_sha256s,
            notify,
        };
        let account = plan_upsert(existing, spec, new_id, now);
        let id = account.id as i64;
        tx.execute(
            "INSERT INTO accounts (id, email_key, row) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET row = EXCLUDED.row",
            &[&id, &email_key, &Json(&account)],
        )
        .await?;
        tx.execute(
            "DELETE FROM api_keys WHERE account = $1 AND key_sha256 <> ALL($2)",
            &[&id, &account.key_sha256s],
        )
        .await?;
        // A key belongs to one account: the one that names it last.
        tx.execute(
            "INSERT INTO api_keys (key_sha256, account) SELECT unnest($2::text[]), $1
             ON CONFLICT (key_sha256) DO UPDATE SET account = EXCLUDED.account",
            &[&id, &account.key_sha256s],
        )
        .await?;
        tx.commit().await?;
        Ok(account)
    }

    /// Disables the accounts not configured, each under its row lock.
    async fn retire_accounts(
        &self,
        configured: &[String],
        now: i64,
    ) -> Result<Vec<Account>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let rows = tx
            .query(
                "SELECT row FROM accounts WHERE email_key <> ALL($1) FOR UPDATE",
                &[&configured],
            )
            .await?;
        let mut retired = Vec::new();
        for row in rows {
            let Json(a): Json<Account> = row.try_get(0).map_err(|e| decode("accounts", e))?;
            match plan_retire(&a, now) {
                Some(off) => {
                    tx.execute(
                        "UPDATE accounts SET row = $2 WHERE id = $1",
                        &[&(off.id as i64), &Json(&off)],
                    )
                    .await?;
                    retired.push(off);
                }
                None => retired.push(a),
            }
        }
        tx.commit().await?;
        Ok(retired)
    }

    /// An account by id.
    async fn account(&self, id: u64) -> Result<Option<Account>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT row FROM accounts WHERE id = $1", &[&(id as i64)])
            .await?;
        row.map(|r| r.try_get::<_, Json<Account>>(0).map(|j| j.0))
            .transpose()
            .map_err(|e| decode("accounts", e))
    }

    /// The account an API key belongs to. A key found is remembered for
    /// [`KEY_CACHE_SECS`]: every API request authenticates, and the key's account
    /// changes only when a node starts with a new config.
    async fn account_by_key(&self, api_key: &str) -> Result<Option<Account>, StoreError> {
        let presented = hash_key(api_key);
        if let Some(a) = self.inner.keys.get(&presented) {
            return Ok(Some(a));
        }
        let found = self.account_by_key_hash(&presented).await?;
        if let Some(a) = &found {
            self.inner.keys.put(presented, a.clone());
        }
        Ok(found)
    }

    /// Changes an account's notification settings: `change` gets the current ones
    /// (read under a row lock, so a concurrent 410-disable is not lost) and returns
    /// the new ones, or an error that leaves them as they are.
    async fn set_connect(
        &self,
        account: u64,
        connect: ConnectSettings,
    ) -> Result<Option<Account>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(mut a) = locked_account(&tx, account).await? else {
            return Ok(None);
        };
        a.connect = connect;
        write_account(&tx, &a).await?;
        tx.commit().await?;
        Ok(Some(a))
    }

    async fn connected_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = self
            .client()
            .await?
            .query("SELECT row FROM accounts WHERE row ? 'connect'", &[])
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let Json(a): Json<Account> = r.try_get(0).map_err(|e| decode("accounts", e))?;
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(mut a) = locked_account(&tx, account).await? else {
            return Ok(change.apply(&Notify::default()));
        };
        let notify = match change.apply(&a.notify) {
            Ok(n) => n,
            Err(e) => return Ok(Err(e)),
        };
        a.notify = notify;
        write_account(&tx, &a).await?;
        tx.commit().await?;
        Ok(Ok(a.notify))
    }
}

/// An account's row, locked until `tx` ends (read, changed, written back).
async fn locked_account(tx: &super::db::Tx<'_>, id: u64) -> Result<Option<Account>, StoreError> {
    let row = tx
        .query_opt(
            "SELECT row FROM accounts WHERE id = $1 FOR UPDATE",
            &[&(id as i64)],
        )
        .await?;
    row.map(|r| r.try_get::<_, Json<Account>>(0).map(|j| j.0))
        .transpose()
        .map_err(|e| decode("accounts", e))
}

async fn write_account(tx: &super::db::Tx<'_>, a: &Account) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE accounts SET row = $2 WHERE id = $1",
        &[&(a.id as i64), &Json(a)],
    )
    .await?;
    Ok(())
}

impl PgStore {
    async fn account_by_key_hash(&self, presented: &str) -> Result<Option<Account>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT a.row FROM api_keys k JOIN accounts a ON a.id = k.account
                 WHERE k.key_sha256 = $1",
                &[&presented],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let Json(account): Json<Account> = row.try_get(0).map_err(|e| decode("accounts", e))?;
        Ok(account.admits(presented).then_some(account))
    }
}

/// How long a key's account is remembered by [`PgStore::account_by_key`].
pub(super) const KEY_CACHE_SECS: u64 = 2;

/// API key hash → account, each entry for [`KEY_CACHE_SECS`].
#[derive(Default)]
pub(super) struct KeyCache(
    std::sync::Mutex<std::collections::HashMap<String, (Account, std::time::Instant)>>,
);

impl KeyCache {
    fn get(&self, key_sha256: &str) -> Option<Account> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key_sha256)
            .filter(|(_, at)| at.elapsed().as_secs() < KEY_CACHE_SECS)
            .map(|(a, _)| a.clone())
    }

    fn put(&self, key_sha256: String, account: Account) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded by the accounts there are; stale entries go when the map grows.
        if map.len() > 10_000 {
            map.retain(|_, (_, at)| at.elapsed().as_secs() < KEY_CACHE_SECS);
        }
        map.insert(key_sha256, (account, std::time::Instant::now()));
    }
}
