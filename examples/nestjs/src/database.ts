/** The PostgreSQL the example talks to, and how to stop it when the application shuts down (the embedded one). */
export interface ShopDatabase {
  config: { host: string; port: number; database: string; user: string; password: string };
  stop?: () => Promise<void>;
}

export const SHOP_DATABASE = Symbol('SHOP_DATABASE');

/** Every call of the example goes to one instance of the postgres plugin: tenant `shop`, database `main`. */
export const SHOP_INSTANCE = 'shop:main';
