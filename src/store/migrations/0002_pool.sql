CREATE TABLE "pool_alerts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pool_alerts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"address" text NOT NULL,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"operator" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp (3) with time zone,
	"delivered_at" timestamp (3) with time zone,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "pool_operators" (
	"address" text PRIMARY KEY NOT NULL,
	"operator_id" text NOT NULL,
	"last_checkin_at" timestamp (3) with time zone NOT NULL,
	"last_epoch" bigint NOT NULL,
	"authenticated" boolean NOT NULL,
	"peer_address" text NOT NULL,
	"reported_ip" text NOT NULL,
	"version" text NOT NULL,
	"metrics_port" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"event_count" bigint NOT NULL,
	"supported_chain_ids" bigint[] NOT NULL,
	"first_seen_at" timestamp (3) with time zone NOT NULL,
	"checkin_count" bigint DEFAULT 1 NOT NULL,
	"alert_state" text DEFAULT 'online' NOT NULL,
	"alert_state_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "pool_alerts_pending_idx" ON "pool_alerts" USING btree ("next_attempt_at") WHERE "pool_alerts"."delivered_at" is null;