//! The campaign a config file describes: its store, organization, members and workflow.

use infin8::config::{Config, PublishTarget};
use infin8::core::engine::{CreateWorkflow, Engine, ProgressSink};
use infin8::core::organization::{NewOrganization, Plan, Role};
use infin8::core::store::Store;
use infin8::core::workflow::{Workflow, WorkflowSettings};
use infin8::core::{ConflictReason, Error, OrgId, TenantContext, UserId, WorkflowId};
use infin8::providers::OfflineProviders;
use infin8::setup::{ChosenProviders, choose_providers, open_store};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The command's error type: every failure becomes a message for the user.
pub type Fallible<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A message as an error.
pub fn fail<T>(message: impl Into<String>) -> Fallible<T> {
    Err(message.into().into())
}

/// A loaded config with its store.
pub struct Workspace {
    pub config: Config,
    /// The folder of the config file: the SQLite file, published files and the report go here.
    pub dir: PathBuf,
    pub store: Arc<dyn Store>,
    pub store_description: String,
    /// The organization's owner (runs, retries, cancels).
    pub owner: TenantContext,
    pub workflow_id: WorkflowId,
}

impl Workspace {
    /// Loads `config_path`, opens the store, and creates the organization when missing.
    pub async fn open(config_path: &Path) -> Fallible<Self> {
        if !config_path.exists() {
            return fail(format!(
                "{} does not exist: create it with `infin8 init` (or pass --config PATH)",
                config_path.display()
            ));
        }
        let config = Config::load(config_path)?;
        let dir = config_path.canonicalize()?.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let opened = open_store(&dir.join("infin8.sqlite")).await?;
        let name = config.organization.name.trim().to_owned();
        let org_id = OrgId::derive(&[b"infin8-org", name.as_bytes()]);
        let owner_id = UserId::derive(&[b"infin8-owner", name.as_bytes()]);
        let owner = TenantContext::user(org_id, owner_id, Role::Owner);
        let title = config.campaign.title.trim().to_owned();
        let workflow_id =
            WorkflowId::derive(&[b"infin8-campaign", org_id.to_string().as_bytes(), title.as_bytes()]);
        let ws = Self {
            config,
            dir,
            store: opened.store,
            store_description: opened.description,
            owner,
            workflow_id,
        };
        ws.ensure_organization().await?;
        Ok(ws)
    }

    async fn ensure_organization(&self) -> Fallible<()> {
        if self.store.get_organization(&self.owner).await?.is_some() {
            return Ok(());
        }
        let o = &self.config.organization;
        let mut new = NewOrganization::new(o.name.trim(), Plan::Pro);
        new.id = Some(self.owner.org_id);
        new.website_url = o.website.clone();
        new.business_description = Some(o.business_description.clone());
        new.target_audiences = o.target_audiences.clone();
        match self.store.create_organization(&self.owner, new).await {
            Ok(_) | Err(Error::Conflict { reason: ConflictReason::AlreadyExists, .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The reviewing member's context: `--member NAME` (or `INFIN8_MEMBER`), else `$USER`, else
    /// the owner; made a member of the organization when new.
    pub async fn member(&self, name: Option<&str>) -> Fallible<(TenantContext, String)> {
        let name = name
            .map(str::to_owned)
            .or_else(|| std::env::var("USER").ok())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "owner".to_owned());
        let org = self.owner.org_id.to_string();
        let id = UserId::derive(&[b"infin8-member", org.as_bytes(), name.trim().as_bytes()]);
        self.store.upsert_member(&self.owner, id, Role::Member).await?;
        Ok((TenantContext::user(self.owner.org_id, id, Role::Member), name))
    }

    /// The campaign's workflow, if created.
    pub async fn workflow(&self) -> Fallible<Option<Workflow>> {
        Ok(self.store.get_workflow(&self.owner, self.workflow_id).await?)
    }

    /// The campaign's workflow; an error saying to run first when it does not exist.
    pub async fn existing_workflow(&self) -> Fallible<Workflow> {
        match self.workflow().await? {
            Some(w) => Ok(w),
            None => fail("the campaign has no workflow yet: start it with `infin8 run`"),
        }
    }

    /// Providers per the environment and `[publish]`.
    pub async fn providers(&self) -> Fallible<ChosenProviders> {
        let publish_dir = self.dir.join(&self.config.publish.directory);
        let offline = OfflineProviders::new(&publish_dir)
            .business_description(self.config.organization.business_description.clone());
        let mut chosen = choose_providers(offline).await?;
        let wordpress = chosen.real.contains(&"publisher");
        match self.config.publish.target {
            PublishTarget::Wordpress if !wordpress => {
                return fail(
                    "publish.target = \"wordpress\" needs WORDPRESS_URL, WORDPRESS_USERNAME and \
                     WORDPRESS_APP_PASSWORD; set them or use target = \"files\" or \"auto\"",
                );
            }
            PublishTarget::Files if wordpress => {
                chosen.providers.publisher = OfflineProviders::new(&publish_dir).build()?.publisher;
                chosen.real.retain(|r| *r != "publisher");
            }
            _ => {}
        }
        Ok(chosen)
    }

    /// An engine for this campaign.
    pub fn engine(
        &self,
        chosen: &ChosenProviders,
        auto_approve: bool,
        progress: Arc<dyn ProgressSink>,
    ) -> Fallible<Engine> {
        let mut config = self.config.pipeline_config(chosen.lexical_embeddings());
        config.auto_approve_seeds = auto_approve;
        Ok(Engine::builder()
            .store(self.store.clone())
            .providers(chosen.providers.clone())
            .config(config)
            .progress(progress)
            .worker(format!("infin8-cli-{}", std::process::id()))
            .sleeper(infin8::providers::runtime::tokio_sleeper())
            .blocking(infin8::providers::runtime::tokio_blocking())
            .build()?)
    }

    /// Creates the campaign's workflow (idempotent: an existing one is returned).
    pub async fn create_workflow(&self, engine: &Engine) -> Fallible<Workflow> {
        let c = &self.config.campaign;
        let create = CreateWorkflow {
            id: Some(self.workflow_id),
            title: c.title.trim().to_owned(),
            description: Some(format!("{} · {}", c.market, c.language)),
            competitor_urls: c.competitors.clone(),
            settings: WorkflowSettings {
                budget: Some(self.config.budget()),
                brand_terms: c.brand_terms.clone(),
                ..WorkflowSettings::default()
            },
        };
        match engine.create_workflow(&self.owner, create).await {
            Ok(w) => Ok(w),
            Err(Error::Conflict { reason: ConflictReason::AlreadyExists, .. }) => {
                self.existing_workflow().await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The report's provenance settings.
    pub fn report_settings(&self) -> Vec<(String, String)> {
        let c = &self.config;
        vec![
            (
                "market".into(),
                format!("{} (DataForSEO location {})", c.campaign.market, c.campaign.market.location_code()),
            ),
            ("language".into(), format!("{} ({})", c.campaign.language, c.campaign.language.code())),
            ("store".into(), self.store_description.clone()),
            (
                "filter".into(),
                format!(
                    "volume ≥ {}, difficulty ≤ {}, languages {}, navigational {}",
                    c.filter.min_search_volume,
                    c.filter.max_difficulty,
                    if c.filter.languages.is_empty() {
                        c.campaign.language.name().to_owned()
                    } else {
                        c.filter.languages.join(", ")
                    },
                    if c.filter.reject_navigational { "rejected (comparisons kept)" } else { "kept" }
                ),
            ),
        ]
    }
}
