import { Migration } from '@mikro-orm/migrations';

/** Alert channel secrets are stored sealed, which takes more room than the secret itself. */
export class Migration20261203084753_sealed_channel_secrets extends Migration {

  override name = 'Migration20261203084753_sealed_channel_secrets';

  override up(): void | Promise<void> {
    this.addSql(`alter table "alert_channel" alter column "secret" type text;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "alert_channel" alter column "secret" type varchar(2048);`);
  }

}
