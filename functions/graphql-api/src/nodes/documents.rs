//! `Document`, with a short-lived download link.

use crate::context::Ctx;
use crate::error::Gql;
use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use portal_domain::model::Document;

/// A document of the archive (who else may see it is not shown).
#[derive(Clone)]
pub struct DocumentNode(pub Document);

impl From<Document> for DocumentNode {
    fn from(document: Document) -> Self {
        Self(document)
    }
}

/// A presigned link to a document's file.
#[derive(SimpleObject)]
pub struct DownloadLink {
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

#[Object(name = "Document")]
impl DocumentNode {
    #[graphql(flatten)]
    async fn fields(&self) -> &Document {
        &self.0
    }

    /// A link to the file, valid for minutes (as `GET /documents/{id}/download`).
    async fn download(&self, ctx: &Context<'_>) -> Result<DownloadLink> {
        let link = Ctx::of(ctx)
            .state
            .store
            .download_link(&self.0)
            .await
            .gql()?;
        Ok(DownloadLink {
            url: link.url,
            expires_at: link.expires_at,
        })
    }
}
