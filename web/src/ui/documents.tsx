import { day, words } from "../format";
import type { DocumentRef } from "../types";
import { Empty } from "./page";

/** Documents with their download links (short-lived, made for the signed-in user). */
export function Documents(props: { documents: DocumentRef[]; empty?: string }) {
  if (props.documents.length === 0) return <Empty>{props.empty ?? "No documents."}</Empty>;
  return (
    <ul class="documents">
      {props.documents.map((d) => (
        <li key={d.id}>
          <a href={d.download.url} download={d.fileName} data-document={d.id}>
            {d.title}
          </a>{" "}
          <span class="muted">
            {words(d.kind)} · {day(d.issuedOn)} · {Math.max(1, Math.round(d.sizeBytes / 1024))} KB
          </span>
        </li>
      ))}
    </ul>
  );
}
