import { Migration } from '@mikro-orm/migrations';

/**
 * A project remembers the names of its protected environments that were deleted or renamed, so an
 * environment created under such a name again is protected as the original was.
 */
export class Migration20261203120000_retired_protected_names extends Migration {
  override name = 'Migration20261203120000_retired_protected_names';

  override up(): void | Promise<void> {
    this.addSql(`alter table "project" add column "retired_protected_names" text[] not null default '{}';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "project" drop column "retired_protected_names";`);
  }
}
