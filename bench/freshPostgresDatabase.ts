/**
 * A new, empty PostgreSQL database on the server of `DATABASE_URL` for one bench run or round, opened (and so
 * migrated) by avskit, and how to drop it afterwards.
 */
import pg from 'pg'
import { type Database, openDatabase } from '../src/store/index.js'

export async function openFreshPostgresDatabase(url: string): Promise<{ database: Database; drop(): Promise<void> }> {
  const name = `avskit_bench_${Date.now()}`
  const onServer = async (statement: string) => {
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(statement)
    await admin.end()
  }
  await onServer(`create database "${name}"`)
  const target = new URL(url)
  target.pathname = `/${name}`
  return {
    database: await openDatabase({ url: target.toString() }),
    drop: () => onServer(`drop database if exists "${name}" with (force)`),
  }
}
