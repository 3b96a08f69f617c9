import { BadRequestException, Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { PluginsHealthIndicator } from 'postgres-plugin/nestjs/health';
import { z } from 'zod';
import { Inject } from '@nestjs/common';
import { SHOP_DATABASE, SHOP_INSTANCE, type ShopDatabase } from './database';
import { ShopService, type PlacedOrder, type User } from './shop.service';

const orderSchema = z.object({ userId: z.number().int().positive(), sku: z.string().min(1).max(100), quantity: z.number().int().positive().max(1000) }).strict();

@Controller()
export class ShopController {
  constructor(
    private readonly shop: ShopService,
    private readonly health: HealthCheckService,
    private readonly plugins: PluginsHealthIndicator,
    @Inject(SHOP_DATABASE) private readonly database: ShopDatabase,
  ) {}

  @Get('users/:id')
  user(@Param('id', ParseIntPipe) id: number): Promise<User> {
    return this.shop.user(id);
  }

  @Post('orders')
  @HttpCode(201)
  order(@Body() body: unknown): Promise<PlacedOrder> {
    const parsed = orderSchema.safeParse(body);
    if (!parsed.success) throw new BadRequestException(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`));
    return this.shop.placeOrder(parsed.data.userId, parsed.data.sku, parsed.data.quantity);
  }

  /** Workers up, no open circuit, and the shop's instance answers ping. */
  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.plugins.isHealthy('plugins', [{ instanceId: SHOP_INSTANCE, config: this.database.config }])]);
  }
}
