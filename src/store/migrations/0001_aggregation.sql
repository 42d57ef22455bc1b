CREATE TABLE "aggregation_equivocations" (
	"task_index" bigint NOT NULL,
	"operator_id" text NOT NULL,
	"first_digest" text NOT NULL,
	"first_signature" jsonb NOT NULL,
	"second_digest" text NOT NULL,
	"second_signature" jsonb NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "aggregation_equivocations_task_index_operator_id_second_digest_pk" PRIMARY KEY("task_index","operator_id","second_digest")
);
--> statement-breakpoint
CREATE TABLE "aggregation_signatures" (
	"task_index" bigint NOT NULL,
	"operator_id" text NOT NULL,
	"digest" text NOT NULL,
	"signature" jsonb NOT NULL,
	"response" jsonb,
	"accepted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "aggregation_signatures_task_index_operator_id_pk" PRIMARY KEY("task_index","operator_id")
);
--> statement-breakpoint
CREATE TABLE "aggregation_tasks" (
	"task_index" bigint PRIMARY KEY NOT NULL,
	"reference_block" bigint NOT NULL,
	"quorum_numbers" jsonb NOT NULL,
	"threshold_percentages" jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"expiry_block" bigint,
	"collection_window_ms" integer DEFAULT 0 NOT NULL,
	"metadata" jsonb,
	"status" text DEFAULT 'pending' NOT NULL,
	"digest" text,
	"certificate" jsonb,
	"outcome" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "aggregation_tasks_status" ON "aggregation_tasks" USING btree ("status");