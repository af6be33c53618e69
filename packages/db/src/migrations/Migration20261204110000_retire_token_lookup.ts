import { Migration } from '@mikro-orm/migrations';

/**
 * API tokens are found by `request_caller` (a fixed statement that reads nothing unless the token is
 * live); the older `token_lookup` policy, which let any transaction that named a hash in
 * `app.api_token_hash` read that token's row, has no reader left and goes.
 */
export class Migration20261204110000_retire_token_lookup extends Migration {

  override name = 'Migration20261204110000_retire_token_lookup';

  override up(): void | Promise<void> {
    this.addSql(`drop policy if exists "token_lookup" on "api_token";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create policy "token_lookup" on "api_token" for select using (secret_hash = current_setting('app.api_token_hash', true));`);
  }

}
