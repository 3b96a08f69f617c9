import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { PluginManagerService, type AnyOperationParams, type OperationName, type PluginResult } from 'postgres-plugin/nestjs';
import { SHOP_DATABASE, SHOP_INSTANCE, type ShopDatabase } from './database';

export interface User {
  id: number;
  name: string;
  email: string;
}

export interface PlacedOrder {
  id: string;
  userId: number;
  sku: string;
  quantity: number;
  total: string;
}

/** The shop's queries, each one call of the postgres plugin through PluginManagerService. */
@Injectable()
export class ShopService {
  constructor(
    private readonly plugins: PluginManagerService,
    @Inject(SHOP_DATABASE) private readonly database: ShopDatabase,
  ) {}

  async user(id: number): Promise<User> {
    const user = unwrap(await this.run<User | null>('queryOne', { sql: 'SELECT id, name, email FROM users WHERE id = $1', params: [id] }));
    if (user === null) throw new NotFoundException(`no user ${id}`);
    return user;
  }

  /**
   * One order, all or nothing (the documentation's Transaction Management
   * example): take the stock, charge the account, record the order. A CHECK
   * that fails (not enough stock or money) rolls all three back.
   */
  async placeOrder(userId: number, sku: string, quantity: number): Promise<PlacedOrder> {
    const product = unwrap(await this.run<{ price: string } | null>('queryOne', { sql: 'SELECT price FROM products WHERE sku = $1', params: [sku] }));
    if (product === null) throw new NotFoundException(`no product '${sku}'`);
    const res = await this.run<{ results: { rows: Record<string, unknown>[] }[] }>('transaction', {
      operations: [
        { sql: 'UPDATE products SET stock = stock - $2 WHERE sku = $1', params: [sku, quantity] },
        { sql: 'UPDATE accounts SET balance = balance - $2::numeric * $3::int WHERE user_id = $1', params: [userId, product.price, quantity] },
        { sql: 'INSERT INTO orders (user_id, sku, quantity, total) VALUES ($1, $2, $3::int, $4::numeric * $3::int) RETURNING id, total', params: [userId, sku, quantity, product.price] },
      ],
      isolationLevel: 'SERIALIZABLE',
    });
    if (!res.success && res.error.details.sqlState === '23514') {
      throw new ConflictException({ code: res.error.code, constraint: res.error.details.constraint, message: 'not enough stock or balance; nothing was changed' });
    }
    if (!res.success && res.error.details.sqlState === '23503') throw new NotFoundException(`no user ${userId}`);
    const row = unwrap(res).results[2]!.rows[0] as { id: string; total: string };
    return { id: row.id, userId, sku, quantity, total: row.total };
  }

  private run<T>(operation: OperationName, params: AnyOperationParams): Promise<PluginResult<T>> {
    return this.plugins.executePlugin<T>('postgres-plugin', SHOP_INSTANCE, this.database.config, operation, params);
  }
}

/** The data of a successful call; a failure the caller did not expect is a 400 for bad input, else it propagates as a 500. */
function unwrap<T>(res: PluginResult<T>): T {
  if (res.success) return res.data;
  if (res.error.code === 'POSTGRES_INVALID_PARAMS') throw new BadRequestException({ code: res.error.code, message: res.error.message });
  throw new Error(`${res.error.code}: ${res.error.message}`);
}
