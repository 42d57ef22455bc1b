DROP INDEX "exporter_operators_added_block";--> statement-breakpoint
DROP INDEX "exporter_validators_added_block";