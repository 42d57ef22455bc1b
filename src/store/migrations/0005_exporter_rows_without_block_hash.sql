ALTER TABLE "exporter_operators" DROP COLUMN "added_block_hash";--> statement-breakpoint
ALTER TABLE "exporter_operators" DROP COLUMN "removed_block_hash";--> statement-breakpoint
ALTER TABLE "exporter_validators" DROP COLUMN "added_block_hash";--> statement-breakpoint
ALTER TABLE "exporter_validators" DROP COLUMN "removed_block_hash";