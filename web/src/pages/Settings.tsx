import type { PageProps } from "../router";
import { useMe } from "../session";
import { CheckoutRules } from "../ui/rules";
import { Page } from "../ui/page";

/** An account admin's own account: its checkout rules (changed here) and buyers' limits. */
export function Settings(_props: PageProps) {
  const me = useMe();
  return (
    <Page title="Checkout rules">
      <div data-loaded="settings">
        {me.accountIds.map((account) => (
          <CheckoutRules key={account} account={account} />
        ))}
      </div>
    </Page>
  );
}
