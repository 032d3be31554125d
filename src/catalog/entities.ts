import 'reflect-metadata';
import {
  Column,
  Entity,
  Generated,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  type ValueTransformer,
} from 'typeorm';

/**
 * TypeORM entities over the demo schema (src/demo/schema.ts). The schema is owned by the SQL there,
 * never synchronized from these classes. Timestamps are read as strings (dateStrings) and kept as
 * `varchar` here so TypeORM does not turn them into Dates and drop the microseconds that the
 * `updated_at` concurrency check of categories compares.
 */

/** BIGINT ids arrive as strings (bigNumberStrings); AUTO_INCREMENT ids fit a JS number. */
const bigintId: ValueTransformer = {
  from: (v: unknown) => (v === null || v === undefined ? v : Number(v)),
  to: (v: unknown) => v,
};

/** 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC session) ⇄ 'YYYY-MM-DDTHH:MM:SS.ffffffZ'. */
export const sqlDateTime: ValueTransformer = {
  from: (v: unknown) => (typeof v === 'string' ? `${v.replace(' ', 'T')}Z` : v),
  to: (v: unknown) => (typeof v === 'string' ? v.replace('T', ' ').replace(/Z$/, '') : v),
};

const timestamps = () =>
  ({ type: 'varchar', insert: false, update: false, transformer: sqlDateTime }) as const;

@Entity({ name: 'categories' })
export class Category {
  @PrimaryGeneratedColumn({ type: 'int', unsigned: true })
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 100 })
  slug!: string;

  @Column({ type: 'int', unsigned: true, nullable: true })
  parent_id!: number | null;

  @Column({ ...timestamps() })
  created_at!: string;

  @Column({ ...timestamps() })
  updated_at!: string;
}

export const PRODUCT_STATUSES = ['draft', 'active', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

@Entity({ name: 'products' })
export class Product {
  @PrimaryColumn({ type: 'bigint', unsigned: true, transformer: bigintId })
  @Generated('increment')
  id!: number;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** DECIMAL(12,2) as an exact string ("12.50"); never a float. */
  @Column({ type: 'decimal', precision: 12, scale: 2 })
  price!: string;

  @Column({ type: 'int', unsigned: true })
  category_id!: number;

  @Column({ type: 'json', nullable: true })
  tags!: string[] | null;

  @Column({ type: 'int' })
  stock!: number;

  @Column({ type: 'enum', enum: PRODUCT_STATUSES })
  status!: ProductStatus;

  @Column({ type: 'int', unsigned: true })
  version!: number;

  @Column({ ...timestamps() })
  created_at!: string;

  @Column({ ...timestamps() })
  updated_at!: string;
}

@Entity({ name: 'users' })
export class User {
  @PrimaryColumn({ type: 'bigint', unsigned: true, transformer: bigintId })
  @Generated('increment')
  id!: number;

  @Column({ type: 'varchar', length: 255 })
  email!: string;

  @Column({ type: 'varchar', length: 100 })
  display_name!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  city!: string | null;

  @Column({ type: 'boolean' })
  is_active!: boolean;

  @Column({ type: 'int', unsigned: true })
  version!: number;

  @Column({ ...timestamps() })
  created_at!: string;

  @Column({ ...timestamps() })
  updated_at!: string;
}

export const CATALOG_ENTITIES = [Category, Product, User];
