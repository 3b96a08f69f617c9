import type { PluginManagerService } from 'postgres-plugin/nestjs';
import { SHOP_INSTANCE, type ShopDatabase } from './database';

/** The example's tables and a few rows, created through the plugin itself (one transaction, so a rerun is clean). */
export async function setUpShop(plugins: PluginManagerService, database: ShopDatabase): Promise<void> {
  const res = await plugins.executePlugin('postgres-plugin', SHOP_INSTANCE, database.config, 'transaction', {
    operations: [
      { sql: 'DROP TABLE IF EXISTS orders, accounts, products, users' },
      { sql: 'CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE)' },
      { sql: 'CREATE TABLE accounts (user_id int PRIMARY KEY REFERENCES users (id), balance numeric(12,2) NOT NULL CONSTRAINT balance_not_negative CHECK (balance >= 0))' },
      { sql: 'CREATE TABLE products (sku text PRIMARY KEY, price numeric(12,2) NOT NULL, stock int NOT NULL CONSTRAINT stock_not_negative CHECK (stock >= 0))' },
      {
        sql: 'CREATE TABLE orders (id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES users (id), sku text NOT NULL REFERENCES products (sku), quantity int NOT NULL CHECK (quantity > 0), total numeric(12,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
      },
      { sql: "INSERT INTO users VALUES (1, 'Ada Lovelace', 'ada@example.com'), (2, 'Charles Babbage', 'charles@example.com')" },
      { sql: 'INSERT INTO accounts VALUES (1, 100.00), (2, 5.00)' },
      { sql: "INSERT INTO products VALUES ('tea', 4.50, 10), ('teapot', 30.00, 1)" },
    ],
  });
  if (!res.success) throw new Error(`setting up the shop failed: ${res.error.code}: ${res.error.message}`);
}
