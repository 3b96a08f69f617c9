import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PluginsModule } from 'postgres-plugin/nestjs';
import { PluginsHealthIndicator } from 'postgres-plugin/nestjs/health';
import { SHOP_DATABASE, type ShopDatabase } from './database';
import { ShopController } from './shop.controller';
import { ShopService } from './shop.service';

/** Stops the embedded server after every module is destroyed (the plugin workers are gone by then). */
@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(SHOP_DATABASE) private readonly database: ShopDatabase) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.stop?.();
  }
}

@Module({})
export class AppModule {
  /** The shop on `database`, its plugins found in `pluginsDir`. */
  static forRoot(database: ShopDatabase, pluginsDir: string): DynamicModule {
    return {
      module: AppModule,
      imports: [PluginsModule.forRoot(pluginsDir, { isGlobal: true }), TerminusModule],
      controllers: [ShopController],
      providers: [{ provide: SHOP_DATABASE, useValue: database }, ShopService, PluginsHealthIndicator, DatabaseLifecycle],
    };
  }
}
