import 'reflect-metadata';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PluginManagerService } from 'postgres-plugin/nestjs';
import { AppModule } from './app.module';
import type { ShopDatabase } from './database';
import { setUpShop } from './shop-schema';

/** The example's own plugins/ folder, from the source tree or from its build in dist/. */
export const PLUGINS_DIR = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../../examples/nestjs/plugins' : '../plugins');

/** The shop application on `database`, its tables created, not yet listening. */
export async function createShopApp(database: ShopDatabase, options: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(database, PLUGINS_DIR), options.logger === false ? { logger: false } : {});
  await app.init();
  await setUpShop(app.get(PluginManagerService), database);
  return app;
}
