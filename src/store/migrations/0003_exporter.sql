CREATE TABLE "exporter_decided" (
	"task_manager" text NOT NULL,
	"task_index" bigint NOT NULL,
	"result" text NOT NULL,
	"signer_ids" text[] NOT NULL,
	"non_signer_ids" text[] NOT NULL,
	"quorum_numbers" integer[] NOT NULL,
	"quorum_threshold_percentage" integer NOT NULL,
	"reference_block" bigint NOT NULL,
	"responded_block" bigint NOT NULL,
	"hash_of_non_signers" text NOT NULL,
	"signature" text,
	"certificate" jsonb,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"transaction_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	CONSTRAINT "exporter_decided_task_manager_task_index_pk" PRIMARY KEY("task_manager","task_index")
);
--> statement-breakpoint
CREATE TABLE "exporter_operators" (
	"index" integer PRIMARY KEY NOT NULL,
	"operator_id" numeric(20, 0) NOT NULL,
	"owner" text NOT NULL,
	"public_key" text NOT NULL,
	"fee" numeric(78, 0) NOT NULL,
	"added_block" bigint NOT NULL,
	"added_block_hash" text NOT NULL,
	"added_transaction" text NOT NULL,
	"added_log_index" integer NOT NULL,
	"added_seq" bigint NOT NULL,
	"removed_block" bigint,
	"removed_block_hash" text,
	"removed_transaction" text,
	"removed_log_index" integer,
	"removed_seq" bigint
);
--> statement-breakpoint
CREATE TABLE "exporter_stream" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"ref" integer,
	"count" integer DEFAULT 1 NOT NULL,
	"key" text,
	"payload" json
);
--> statement-breakpoint
CREATE TABLE "exporter_sync_blocks" (
	"sync_name" text NOT NULL,
	"number" bigint NOT NULL,
	"hash" text NOT NULL,
	"parent_hash" text NOT NULL,
	CONSTRAINT "exporter_sync_blocks_sync_name_number_pk" PRIMARY KEY("sync_name","number")
);
--> statement-breakpoint
CREATE TABLE "exporter_validators" (
	"index" integer PRIMARY KEY NOT NULL,
	"public_key" text NOT NULL,
	"owner" text NOT NULL,
	"operator_ids" numeric(20, 0)[] NOT NULL,
	"added_block" bigint NOT NULL,
	"added_block_hash" text NOT NULL,
	"added_transaction" text NOT NULL,
	"added_log_index" integer NOT NULL,
	"added_seq" bigint NOT NULL,
	"removed_block" bigint,
	"removed_block_hash" text,
	"removed_transaction" text,
	"removed_log_index" integer,
	"removed_seq" bigint
);
--> statement-breakpoint
CREATE INDEX "exporter_decided_block_number" ON "exporter_decided" USING btree ("block_number");--> statement-breakpoint
CREATE UNIQUE INDEX "exporter_operators_operator_id" ON "exporter_operators" USING btree ("operator_id");--> statement-breakpoint
CREATE INDEX "exporter_operators_added_block" ON "exporter_operators" USING btree ("added_block");--> statement-breakpoint
CREATE INDEX "exporter_operators_removed_block" ON "exporter_operators" USING btree ("removed_block") WHERE "exporter_operators"."removed_block" is not null;--> statement-breakpoint
CREATE INDEX "exporter_validators_public_key" ON "exporter_validators" USING hash ("public_key");--> statement-breakpoint
CREATE INDEX "exporter_validators_added_block" ON "exporter_validators" USING btree ("added_block");--> statement-breakpoint
CREATE INDEX "exporter_validators_removed_block" ON "exporter_validators" USING btree ("removed_block") WHERE "exporter_validators"."removed_block" is not null;